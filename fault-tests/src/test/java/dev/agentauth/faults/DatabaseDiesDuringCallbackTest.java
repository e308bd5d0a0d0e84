package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.Flow;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.Replica;
import dev.agentauth.faults.harness.RotatingGateway;
import dev.agentauth.faults.harness.Tokens;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Item 3 — PostgreSQL dies during a callback. A starts gina's consent and waits for it; the browser's callback goes
 * to B; the identity provider redeems B's code (its answer held at the gateway) and PostgreSQL is SIGKILLed before B
 * hears back. The tokens exist at the provider and nowhere else. Target: B tells the browser the save is pending
 * ({@code SAVE_PENDING}, a plain message), keeps the tokens and stores the grant once PostgreSQL is back, which wakes
 * the waiter on A; the same callback retried says completed; and the issued tokens are never both lost and unrevoked.
 */
class DatabaseDiesDuringCallbackTest extends FaultTestBase {

    static final GrantKey GINA = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "gina", GrantKey.SHARED, "");
    static final Duration RECOVERY_BOUND = Duration.ofSeconds(20);

    @BeforeAll
    static void database() {
        useDatabase("faults_callback");
    }

    @Test
    void databaseKilledWhileBRedeemsTheCodeThenTheGrantIsStoredOnceItIsBackAndAsWaiterCompletes(TestInfo test)
            throws Exception {
        Figures f = figures("3", test);
        Replica a = replica("A");
        Replica b = replica("B");
        JsonNode asked = a.call("token", "user", "gina");
        assertThat(outcome(asked)).isEqualTo("consent");
        CompletableFuture<JsonNode> waiterOnA = a.send("awaitConsent", "consentId", asked.get("consentId").asText(),
                "timeoutMs", 120_000);
        URI callback = signIn(asked.get("authorizationUrl").asText(), "gina");

        RotatingGateway.Hold hold = gateway.holdNext("authorization_code");
        CompletableFuture<JsonNode> completing = b.send("completeConsent", "callback", callback.toString(),
                "user", "gina");
        assertThat(hold.awaitAnswered(Duration.ofSeconds(30))).as("the provider redeemed B's code").isTrue();
        String issuedAccess = hold.accessTokenFingerprint();
        String issuedRefresh = hold.refreshTokenFingerprint();

        server.killAll();
        long killedAt = System.nanoTime();
        hold.release();
        hold.awaitRelayed(Duration.ofSeconds(10));
        JsonNode callbackAnswer = b.await(completing, Duration.ofSeconds(90), "completeConsent");
        long callbackMs = millisSince(killedAt);

        server.restart();
        long backAt = System.nanoTime();
        long storedMs = awaitMillis(RECOVERY_BOUND, () -> grantOfGina().isPresent());
        JsonNode waiter;
        try {
            waiter = waiterOnA.get(Math.max(1, RECOVERY_BOUND.toMillis() - millisSince(backAt)), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            waiter = object().put("outcome", "still-waiting");
        }
        long waiterMs = millisSince(backAt);
        JsonNode retry = b.call("completeConsent", "callback", callback.toString(), "user", "gina");

        Optional<StoredGrant> stored = grantOfGina();
        String storedAccess = stored.map(g -> Tokens.fingerprint(g.accessToken())).orElse(null);
        String storedRefresh = stored.map(g -> g.refreshToken() == null ? null : Tokens.fingerprint(g.refreshToken()))
                .orElse(null);
        boolean issuedKept = issuedAccess != null && issuedAccess.equals(storedAccess)
                || issuedRefresh != null && issuedRefresh.equals(storedRefresh);
        int issuedRevoked = (issuedAccess == null ? 0 : gateway.revocations(issuedAccess))
                + (issuedRefresh == null ? 0 : gateway.revocations(issuedRefresh));

        f.put("callbackOnB", describe(callbackAnswer)).put("callbackMessage", callbackAnswer.path("userMessage")
                        .asText(callbackAnswer.path("message").asText()))
                .put("callbackAnsweredAfterKill_ms", callbackMs).put("grantStoredAfterRestart_ms", storedMs)
                .put("waiterOnA", describe(waiter)).put("waiterOnAAfterRestart_ms", waiterMs)
                .put("retrySameCallback", describe(retry)).put("issuedTokensStored", issuedKept)
                .put("issuedTokensRevocations", issuedRevoked);

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(callbackAnswer.path("status").asText(describe(callbackAnswer)))
                .as("B's completeConsent answers that the save is pending: " + callbackAnswer)
                .isEqualTo(ConsentCallbackResult.Status.SAVE_PENDING.name());
        softly.assertThat(callbackAnswer.path("userMessage").asText())
                .as("a plain message for the browser, not 'unknown or already used'")
                .isNotBlank().doesNotContainIgnoringCase("unknown").doesNotContainIgnoringCase("already used");
        softly.assertThat(storedMs).as("the grant is stored within " + RECOVERY_BOUND + " of PostgreSQL's restart")
                .isNotNegative();
        softly.assertThat(describe(waiter)).as("the waiter on A completes with gina's token: " + waiter)
                .isEqualTo("granted:gina");
        softly.assertThat(retry.path("status").asText(describe(retry)))
                .as("the same callback retried on B says completed: " + retry).isEqualTo("COMPLETED");
        softly.assertThat(issuedKept || issuedRevoked > 0)
                .as("the issued tokens are stored, or revoked at the provider — never both lost and unrevoked")
                .isTrue();
        softly.assertAll();
    }

    private static Optional<StoredGrant> grantOfGina() {
        try {
            return store.find(GINA);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
