package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.Replica;
import dev.agentauth.faults.harness.RotatingGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Item 9 — strict rotation, and the refresher killed. Mona's access token has expired (the replicas' clocks moved
 * two hours on); A refreshes through the gateway, the identity provider rotates her refresh token, and A is SIGKILLed
 * before it hears back: the new refresh token is lost, the old one is spent. Then B needs her token. With strict
 * rotation: a clear consent requirement — never a hang, never a raw {@code invalid_grant} — and a log line or audit
 * detail saying the refresh token was lost because a replica stopped mid-refresh. With a reuse grace window: B gets a
 * token without asking her.
 */
class RefresherKilledTest extends FaultTestBase {

    static final long ANSWER_BOUND_MS = 10_000;

    @BeforeAll
    static void database() {
        useDatabase("faults_refresher_killed");
    }

    @Test
    void refresherKilledAfterTheProviderRotatedWithStrictRotationThenBAsksForConsentAndSaysWhy(TestInfo test) {
        Figures f = figures("9", test).put("rotation", "strict");
        gateway.strictRotation(true);
        Outcome o = refreshAndKill("mona", f);
        List<String> said = lostRefreshExplanations(o);
        f.put("explanations", said.size()).put("reuseRefused", gateway.reuseRefused());

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(describe(o.onB)).as("B's token(): a clear consent requirement, not an error: " + o.onB)
                .isEqualTo("consent");
        softly.assertThat(o.onB.path("elapsedMs").asLong()).as("answered promptly, no hang")
                .isLessThan(ANSWER_BOUND_MS);
        softly.assertThat(said).as("a log line or audit detail on B says the refresh token was lost when a replica"
                + " stopped mid-refresh (B's audit: " + o.audit + ")").isNotEmpty();
        softly.assertAll();
    }

    @Test
    void refresherKilledAfterTheProviderRotatedWithAReuseGraceWindowThenBRecoversATokenWithoutConsent(
            TestInfo test) {
        Figures f = figures("9", test).put("rotation", "strict, 30 s reuse grace");
        gateway.strictRotation(true);
        gateway.reuseGrace(Duration.ofSeconds(30));
        Outcome o = refreshAndKill("nora", f);
        f.put("reuseForgiven", gateway.reuseForgiven());

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(describe(o.onB)).as("B recovers nora's token without consent: " + o.onB)
                .isEqualTo("granted:nora");
        softly.assertThat(o.onB.path("elapsedMs").asLong()).isLessThan(ANSWER_BOUND_MS);
        softly.assertThat(gateway.reuseForgiven()).as("through the grace window").isEqualTo(1);
        softly.assertAll();
    }

    record Outcome(JsonNode onB, JsonNode audit, String log) {
    }

    Outcome refreshAndKill(String user, Figures f) {
        Replica a = replica("A");
        Replica b = replica("B");
        JsonNode before = consent(a, a, user);
        a.call("advanceClock", "seconds", 7200);
        b.call("advanceClock", "seconds", 7200);

        RotatingGateway.Hold hold = gateway.holdNext("refresh_token");
        CompletableFuture<JsonNode> refreshing = a.send("token", "user", user);
        try {
            assertThat(hold.awaitAnswered(Duration.ofSeconds(30))).as("A's refresh reached the provider").isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        assertThat(hold.refreshTokenFingerprint()).as("the provider rotated the refresh token").isNotNull();
        a.kill();
        hold.release();
        refreshing.exceptionally(gone -> null); // A died with its refresh: it never answers

        JsonNode onB = b.call("token", "user", user);
        JsonNode audit = b.call("audit");
        f.put("tokenOnB", describe(onB)).put("tokenOnB_ms", onB.path("elapsedMs").asLong())
                .put("tokenOnB_message", onB.path("message").asText("")).put("auditOnB", details(audit))
                .put("refreshRequests", gateway.tokenRequests("refresh_token"))
                .put("tokenBefore", before.path("fingerprint").asText());
        return new Outcome(onB, audit, b.log());
    }

    /** B's audit details and log lines that tell the refresh token was lost with a replica that stopped mid-refresh. */
    static List<String> lostRefreshExplanations(Outcome o) {
        List<String> texts = new ArrayList<>();
        o.audit.path("events").forEach(e -> texts.add(e.path("type").asText() + ": " + e.path("detail").asText("")));
        texts.addAll(o.log.lines().toList());
        return texts.stream().filter(RefresherKilledTest::explainsLostRefresh).toList();
    }

    /**
     * Whether a line says that a refresh token was lost because a replica stopped mid-refresh. The wording is not
     * fixed yet: a line that speaks of the refresh (token) and of it being lost, or of a replica or process that stopped,
     * died or was killed during it.
     */
    static boolean explainsLostRefresh(String line) {
        String l = line.toLowerCase(Locale.ROOT);
        return l.contains("refresh") && (l.contains("lost") || l.contains("mid-refresh")
                || l.matches(".*(replica|process|instance).*(stopped|died|killed|crashed|gone).*")
                || l.matches(".*(stopped|died|killed|crashed).*(replica|process|instance).*"));
    }

    static List<String> details(JsonNode audit) {
        List<String> out = new ArrayList<>();
        audit.path("events").forEach(e -> out.add(e.path("type").asText() + (e.hasNonNull("detail") ? "("
                + e.get("detail").asText() + ")" : "")));
        return out;
    }
}
