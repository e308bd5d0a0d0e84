package dev.agentauth.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.Replica;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Item 7 — the outcome in the store wins. A raises a consent interrupt (A started the consent and waits for it); the
 * browser's callback lands on B, which completes the consent and records it in the store; the user clicks "continue"
 * and A resumes at once. The store already says the consent is complete, so the resume must run — never
 * {@code CONSENT_PENDING} because A's own waiter has not heard yet. Three rounds; how long A took to see it is measured.
 */
class OutcomeInStoreWinsTest extends FaultTestBase {

    static final int ROUNDS = 3;

    @BeforeAll
    static void database() {
        useDatabase("faults_outcome_wins");
    }

    @Test
    void consentCompletedOnBWhenAResumesAtOnceThenTheResumeRunsEveryRound(TestInfo test) {
        Figures f = figures("7", test);
        Replica a = replica("A");
        Replica b = replica("B");
        List<String> firsts = new ArrayList<>();
        List<Long> pendingAnswers = new ArrayList<>();
        List<Long> seenMs = new ArrayList<>();
        SoftAssertions softly = new SoftAssertions();
        for (int round = 0; round < ROUNDS; round++) {
            String user = "kim" + round;
            JsonNode interrupt = interruptOn(a, "conv-wins-" + round, user, "list my notes");
            String id = interrupt.get("id").asText();
            JsonNode done = b.call("completeConsent", "callback", signIn(authorizationUrl(interrupt), user).toString(),
                    "user", user);
            softly.assertThat(done.path("status").asText()).isEqualTo("COMPLETED");

            long t0 = System.nanoTime();
            JsonNode first = a.call("resume", "interruptId", id, "user", user);
            JsonNode last = first;
            long pending = 0;
            while (describe(last).equals("error:ResumeRejectedException:CONSENT_PENDING")
                    && millisSince(t0) < 10_000) {
                pending++;
                sleep(20);
                last = a.call("resume", "interruptId", id, "user", user);
            }
            firsts.add(describe(first));
            pendingAnswers.add(pending);
            seenMs.add(outcome(last).equals("answer") ? millisSince(t0) : -1);
            softly.assertThat(describe(first)).as("round " + round + ": A's immediate resume runs: " + first)
                    .isEqualTo("answer");
            softly.assertThat(last.path("text").asText()).as("round " + round)
                    .isEqualTo("Answer: listNotes -> notes of " + user);
        }
        f.put("firstResumeOnA", firsts).put("consentPendingAnswers", pendingAnswers).put("resumeRanAfter_ms", seenMs)
                .put("listNotesRuns", toolLog.starts("listNotes"));
        softly.assertThat(toolLog.starts("listNotes")).as("one run per round").isEqualTo(ROUNDS);
        softly.assertAll();
    }
}
