package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.PgProcess;
import dev.agentauth.faults.harness.Replica;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Item 6 — a frozen database. Every PostgreSQL process is SIGSTOPped for 20 s: connections stay open and nothing
 * answers, as with a stalled disk, a VM paused or a network partition without resets. A replica whose store has
 * {@code statementTimeout(2 s)} and whose grant is stored but not cached must fail a {@code token()} with a retryable
 * {@code StoreUnavailableException} within about 2 s, and succeed after SIGCONT; a replica with the token cached
 * serves it at once throughout. B has just used its pooled connections (a busy replica: the pool hands one out without
 * checking it); C has been idle for seconds (the pool checks a connection before handing it out).
 */
class FrozenDatabaseTest extends FaultTestBase {

    static final long STATEMENT_TIMEOUT_MS = 2_000;
    static final long MARGIN_MS = 2_500;
    static final long FROZEN_MS = 20_000;

    @BeforeAll
    static void database() {
        useDatabase("faults_frozen");
    }

    @Test
    void databaseFrozenWhenATokenNeedsTheStoreThenATypedRetryableErrorWithinTheStatementTimeout(TestInfo test)
            throws Exception {
        Figures f = figures("6", test);
        Replica a = replica("A"); // will hold ivy's token in its cache
        // The store's defaults (connection timeout 5 s), plus the statement timeout.
        ObjectNode withTimeout = config().put("statementTimeoutMs", STATEMENT_TIMEOUT_MS);
        withTimeout.remove("connectionTimeoutMs");
        Replica b = replica("B", withTimeout);
        Replica c = replica("C", withTimeout.deepCopy());
        f.put("statementTimeoutOption", b.optionApplied("statementTimeout"));
        JsonNode ivy = consent(a, a, "ivy");
        c.call("grants", "user", "nobody");
        sleep(1_500); // C idles: its pool will check a connection before handing it out

        b.call("grants", "user", "nobody"); // B is busy: its pooled connections were just used
        server.signalAll(PgProcess.Signal.STOP);
        long frozenAt = System.nanoTime();
        CompletableFuture<JsonNode> onB = b.send("token", "user", "ivy");
        CompletableFuture<JsonNode> onC = c.send("token", "user", "ivy");
        JsonNode cached = a.call("token", "user", "ivy");
        long cachedMs = cached.path("elapsedMs").asLong();

        JsonNode whileFrozen = null;
        try {
            whileFrozen = onB.get(Math.max(1, FROZEN_MS - millisSince(frozenAt)), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException stalled) {
            // still waiting when PostgreSQL is thawed
        }
        long typedErrorMs = whileFrozen == null ? -1 : whileFrozen.path("elapsedMs").asLong();
        sleep(Math.max(0, FROZEN_MS - millisSince(frozenAt)));
        server.signalAll(PgProcess.Signal.CONT);
        long thawedAt = System.nanoTime();
        JsonNode firstAnswer = whileFrozen != null ? whileFrozen : b.await(onB, Duration.ofSeconds(90), "token");
        long firstAnswerMs = firstAnswer.path("elapsedMs").asLong();
        JsonNode after = b.call("token", "user", "ivy");
        JsonNode idle = c.await(onC, Duration.ofSeconds(90), "token");
        JsonNode afterOnC = c.call("token", "user", "ivy");

        f.put("tokenOnB_whileFrozen", whileFrozen == null ? "no answer while frozen" : describe(whileFrozen))
                .put("tokenOnB_retryable", firstAnswer.path("retryable").asText("-"))
                .put("tokenOnB_answeredAfter_ms", firstAnswerMs).put("tokenOnB_firstAnswer", describe(firstAnswer))
                .put("answeredAfterThaw", whileFrozen == null).put("cachedTokenOnA_ms", cachedMs)
                .put("tokenOnB_afterThaw", describe(after)).put("tokenOnB_afterThaw_ms", after.path("elapsedMs")
                        .asLong()).put("sinceThaw_ms", millisSince(thawedAt))
                .put("tokenOnIdleC", describe(idle)).put("tokenOnIdleC_ms", idle.path("elapsedMs").asLong())
                .put("tokenOnIdleC_afterThaw", describe(afterOnC));

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(whileFrozen).as("B answers while PostgreSQL is frozen (it stalled " + firstAnswerMs
                + " ms)").isNotNull();
        softly.assertThat(describe(firstAnswer)).as("a token() that needs the frozen store: " + firstAnswer)
                .isEqualTo("error:StoreUnavailableException");
        softly.assertThat(firstAnswer.path("retryable").asBoolean()).as("retryable").isTrue();
        softly.assertThat(firstAnswerMs).as("within the statement timeout + margin")
                .isLessThanOrEqualTo(STATEMENT_TIMEOUT_MS + MARGIN_MS);
        softly.assertThat(describe(idle)).as("the same on an idle replica: " + idle)
                .isEqualTo("error:StoreUnavailableException");
        softly.assertThat(idle.path("elapsedMs").asLong()).as("idle replica: within the statement timeout + margin")
                .isLessThanOrEqualTo(STATEMENT_TIMEOUT_MS + MARGIN_MS);
        softly.assertThat(describe(afterOnC)).isEqualTo("granted:ivy");
        softly.assertThat(describe(cached)).as("A's cached token while frozen").isEqualTo("granted:ivy");
        softly.assertThat(cached.path("fingerprint").asText()).isEqualTo(ivy.path("fingerprint").asText());
        softly.assertThat(cachedMs).as("a cached token is served at once while frozen").isLessThan(500);
        softly.assertThat(describe(after)).as("after SIGCONT the same call succeeds: " + after)
                .isEqualTo("granted:ivy");
        softly.assertThat(b.optionApplied("statementTimeout")).as("PostgresTokenStoreBuilder.statementTimeout"
                + "(Duration) exists").isTrue();
        softly.assertAll();
        assertThat(after.path("fingerprint").asText()).isEqualTo(ivy.path("fingerprint").asText());
    }
}
