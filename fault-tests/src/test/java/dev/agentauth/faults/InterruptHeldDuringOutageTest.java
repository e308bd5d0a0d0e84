package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.Replica;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Item 4 — an interrupt held during an outage. Hank's turn on A needs a consent (started while PostgreSQL is up) and
 * is still running another tool when PostgreSQL is stopped (SIGTERM to the postmaster and its backends); the turn ends
 * with the consent interrupt, which A keeps in its memory and shows. PostgreSQL is started again. With no further
 * activity on A, B must see the interrupt within a bound (a background flush on A) and be able to resume it.
 *
 * <p>Chat memory lives in files here, not on PostgreSQL, so that the outage breaks the interrupt store only.
 */
class InterruptHeldDuringOutageTest extends FaultTestBase {

    static final Duration FLUSH_BOUND = Duration.ofSeconds(15);

    @BeforeAll
    static void database() {
        useDatabase("faults_outage");
    }

    ObjectNode withFileMemory() {
        ObjectNode c = config();
        ((ObjectNode) c.get("agent")).put("memory", "files").put("memoryDir", work.resolve("memory").toString())
                .put("concurrentTools", true);
        return c;
    }

    @Test
    void databaseStoppedWhileATurnIsInterruptedThenBSeesTheInterruptOnceItIsBackAndResumesIt(TestInfo test) {
        Figures f = figures("4", test);
        Replica a = replica("A", withFileMemory());
        Replica b = replica("B", withFileMemory());

        // listNotes needs a consent (stored now, PostgreSQL up); waitGate keeps the turn open meanwhile.
        CompletableFuture<JsonNode> turn = a.send("chat", "conversation", "conv-outage", "user", "hank",
                "message", "notes after the archive");
        assertThat(toolLog.awaitStarts("waitGate", 1, 30_000)).isTrue();
        assertThat(awaitMillis(Duration.ofSeconds(30), () -> count(
                "SELECT COUNT(*) FROM agentauth_consent WHERE principal_user = 'hank'") > 0)).isNotNegative();

        server.terminateAll();
        openGate("waitGate");
        JsonNode ended = a.await(turn, Duration.ofSeconds(90), "chat");
        assertThat(outcome(ended)).as("A shows the card although the store is down: " + ended)
                .isEqualTo("interrupt");
        String id = ended.get("interrupt").get("id").asText();
        f.put("aKeptInMemory", a.log().contains("kept in this process"));

        server.restart();
        long backAt = System.nanoTime();
        long seenMs = awaitMillis(FLUSH_BOUND, () -> b.call("pendingInterrupts", "user", "hank").path("interrupts")
                .findValuesAsText("id").contains(id));
        long rows = count("SELECT COUNT(*) FROM agentauth_interrupt WHERE interrupt_id = ?", id);

        JsonNode consented = b.call("completeConsent", "callback", signIn(authorizationUrl(ended.get("interrupt")),
                "hank").toString(), "user", "hank");
        JsonNode resumed = b.call("resume", "interruptId", id, "user", "hank");
        f.put("seenOnBAfterRestart_ms", seenMs).put("interruptRowsAfterBound", rows)
                .put("consentOnB", describe(consented)).put("resumeOnB", describe(resumed))
                .put("answer", resumed.path("text").asText("")).put("listNotesRuns", toolLog.starts("listNotes"))
                .put("sinceRestart_ms", millisSince(backAt));

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(seenMs).as("B's pendingInterrupts(hank) shows A's interrupt within " + FLUSH_BOUND
                + " of PostgreSQL's restart, with no activity on A").isNotNegative();
        softly.assertThat(consented.path("status").asText()).isEqualTo("COMPLETED");
        softly.assertThat(resumed.path("text").asText(describe(resumed))).as("B resumes it: " + resumed)
                .startsWith("Answer:").contains("listNotes -> notes of hank");
        softly.assertThat(toolLog.starts("listNotes")).as("the waiting tool ran once").isEqualTo(1);
        softly.assertAll();
    }
}
