package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.PgFaultProxy;
import dev.agentauth.faults.harness.Replica;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Item 2 — a lost commit acknowledgement. Replica A's database connection runs through a TCP proxy that lets A's
 * interrupt INSERT reach PostgreSQL and commit, then swallows the answer and cuts the connection: A believes the save
 * failed and keeps the interrupt itself, while the store has it. Replica B resumes it — the waiting tool runs once —
 * and afterwards A, alive and with its store reachable again, must never bring the resumed interrupt back.
 */
class LostCommitAcknowledgementTest extends FaultTestBase {

    /** Longer than any background flush of interrupts kept in a process should take. */
    static final long WELL_PAST_FLUSH_MS = 6_000;

    @BeforeAll
    static void database() {
        useDatabase("faults_lost_ack");
    }

    @Test
    void interruptCommittedButItsAckLostOnAWhenBResumesItThenANeverBringsItBack(TestInfo test) {
        Figures f = figures("2", test);
        int port = Integer.parseInt(jdbcUrl.replaceAll(".*:(\\d+)/.*", "$1"));
        try (PgFaultProxy proxy = PgFaultProxy.to(port)) {
            Replica a = replica("A", config(proxy.jdbcUrl(database)));
            Replica b = replica("B");
            proxy.dropAckOf("INSERT INTO agentauth_interrupt");

            JsonNode interrupt = interruptOn(a, "conv-lost-ack", "erin", "list my notes");
            String id = interrupt.get("id").asText();
            f.put("proxyMatched", proxy.matched()).put("proxyDropped", proxy.dropped())
                    .put("rowsAfterLostAck", count("SELECT COUNT(*) FROM agentauth_interrupt WHERE interrupt_id = ?",
                            id));
            assertThat(proxy.dropped()).as("the interrupt INSERT's answer was swallowed").isEqualTo(1);
            assertThat(count("SELECT COUNT(*) FROM agentauth_interrupt WHERE interrupt_id = ?", id))
                    .as("the INSERT committed nevertheless").isEqualTo(1);
            f.put("aBelievedSaveFailed", a.log().contains("kept in this process"));

            JsonNode consented = b.call("completeConsent", "callback", signIn(authorizationUrl(interrupt), "erin")
                    .toString(), "user", "erin");
            assertThat(consented.path("status").asText()).isEqualTo("COMPLETED");
            JsonNode resumed = b.call("resume", "interruptId", id, "user", "erin");
            assertThat(resumed.path("text").asText()).as("B resumes the interrupt it found in the store: " + resumed)
                    .isEqualTo("Answer: listNotes -> notes of erin");
            long runsAfterResume = toolLog.starts("listNotes");

            sleep(WELL_PAST_FLUSH_MS); // A is alive, its store reachable: any flush has happened by now
            JsonNode onBBeforeA = b.call("pendingInterrupts", "user", "erin");
            JsonNode onA = a.call("pendingInterrupts", "user", "erin");
            JsonNode onBAfterA = b.call("pendingInterrupts", "user", "erin");
            JsonNode resumeOnA = a.call("resume", "interruptId", id, "user", "erin");
            // The user clicks "continue" again while A says the consent is pending (A learns of B's completion late).
            for (long t0 = System.nanoTime(); describe(resumeOnA).endsWith(":CONSENT_PENDING")
                    && millisSince(t0) < 5_000; ) {
                sleep(100);
                resumeOnA = a.call("resume", "interruptId", id, "user", "erin");
            }
            sleep(2_000);
            JsonNode onBLast = b.call("pendingInterrupts", "user", "erin");
            long runs = toolLog.starts("listNotes");
            // Resumed interrupts stay as tombstones (state DONE) until purged: none may be open or resumable again.
            long rows = count("SELECT COUNT(*) FROM agentauth_interrupt WHERE interrupt_id = ? AND state <> 'DONE'",
                    id);

            f.put("toolRunsAfterBResumed", runsAfterResume).put("cards_onB_beforeA", ids(onBBeforeA))
                    .put("cards_onA", ids(onA)).put("cards_onB_afterA", ids(onBAfterA))
                    .put("resumeOnA", describe(resumeOnA)).put("cards_onB_last", ids(onBLast))
                    .put("toolRuns", runs).put("interruptRowsAtEnd", rows);

            SoftAssertions softly = new SoftAssertions();
            softly.assertThat(ids(onA)).as("no card on A").isEmpty();
            softly.assertThat(ids(onBBeforeA)).as("no card on B").isEmpty();
            softly.assertThat(ids(onBAfterA)).as("no card on B after A listed").isEmpty();
            softly.assertThat(ids(onBLast)).as("no card on B at the end").isEmpty();
            softly.assertThat(describe(resumeOnA)).as("a resume on A is refused: " + resumeOnA)
                    .startsWith("error:ResumeRejectedException");
            softly.assertThat(runs).as("the waiting tool ran exactly once").isEqualTo(1);
            softly.assertThat(rows).as("the resumed interrupt is not back in the store (only its tombstone)").isZero();
            softly.assertAll();
        }
    }

    private static List<String> ids(JsonNode listing) {
        List<String> ids = new ArrayList<>();
        if (!outcome(listing).equals("interrupts")) {
            ids.add(describe(listing));
        }
        listing.path("interrupts").forEach(i -> ids.add(i.path("id").asText()));
        return ids;
    }
}
