package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.agent.ResumeRecovery;
import dev.agentauth.agent.ResumeRejectedException;
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
 * Item 5 — the resumer is killed mid-resume. The user consented; A resumes; the waiting tool blocks (on a gate file);
 * A is SIGKILLed mid-tool. B resumes the same interrupt: while A's resume lease is valid B answers
 * {@code IN_PROGRESS}; after the lease (3 s) B takes over and the turn completes with a model answer. With
 * {@code AT_MOST_ONCE} the tool is not started again (the model is told its outcome is unknown); with
 * {@code AT_LEAST_ONCE} it runs again, on B. Tool starts are counted in the shared log, A's included.
 */
class ResumerKilledMidResumeTest extends FaultTestBase {

    static final long LEASE_MS = 3_000;

    @BeforeAll
    static void database() {
        useDatabase("faults_resumer_killed");
    }

    @Test
    void resumerKilledMidToolWithAtMostOnceThenBTakesOverAfterTheLeaseWithoutRunningTheToolAgain(TestInfo test) {
        Run run = resumeAndKill(ResumeRecovery.AT_MOST_ONCE.name(), "nina", test);
        SoftAssertions softly = run.common();
        softly.assertThat(toolLog.starts("slowNotes")).as("AT_MOST_ONCE: the tool is not started again")
                .isEqualTo(1);
        softly.assertThat(run.answer.path("text").asText()).as("the model was told the outcome is unknown, not"
                + " given a result").doesNotContain("slow notes of");
        softly.assertAll();
    }

    @Test
    void resumerKilledMidToolWithAtLeastOnceThenBTakesOverAfterTheLeaseAndRunsTheToolAgain(TestInfo test) {
        Run run = resumeAndKill(ResumeRecovery.AT_LEAST_ONCE.name(), "omar", test);
        SoftAssertions softly = run.common();
        softly.assertThat(toolLog.starts("slowNotes")).as("AT_LEAST_ONCE: the tool runs again").isEqualTo(2);
        softly.assertThat(toolLog.starts("slowNotes", "B")).as("... on B").isEqualTo(1);
        softly.assertThat(run.answer.path("text").asText()).as("with its result")
                .isEqualTo("Answer: slowNotes -> slow notes of omar");
        softly.assertAll();
    }

    /** What B answered after A died. */
    final class Run {
        final Figures f;
        final Replica b;
        final JsonNode firstOnB;
        final List<String> answersOnB;
        final JsonNode answer;
        final long takeoverMs;

        Run(Figures f, Replica b, JsonNode firstOnB, List<String> answersOnB, JsonNode answer, long takeoverMs) {
            this.f = f;
            this.b = b;
            this.firstOnB = firstOnB;
            this.answersOnB = answersOnB;
            this.answer = answer;
            this.takeoverMs = takeoverMs;
        }

        SoftAssertions common() {
            SoftAssertions softly = new SoftAssertions();
            softly.assertThat(b.optionApplied("resumeRecovery")).as("AuthenticatedAgent.Builder.resumeRecovery(...)"
                    + " exists").isTrue();
            softly.assertThat(b.optionApplied("resumeLease")).as("AuthenticatedAgent.Builder.resumeLease(Duration)"
                    + " exists").isTrue();
            softly.assertThat(describe(firstOnB)).as("B's resume while A's lease is valid: " + firstOnB)
                    .isEqualTo("error:ResumeRejectedException:" + ResumeRejectedException.Reason.IN_PROGRESS.name());
            softly.assertThat(outcome(answer)).as("after the lease B takes over and the turn completes: " + answer)
                    .isEqualTo("answer");
            softly.assertThat(takeoverMs).as("B took over within the lease + 5 s of A's death")
                    .isBetween(0L, LEASE_MS + 5_000);
            return softly;
        }
    }

    Run resumeAndKill(String recovery, String user, TestInfo test) {
        Figures f = figures("5", test).put("recovery", recovery);
        ObjectNode config = config();
        ((ObjectNode) config.get("agent")).put("resumeRecovery", recovery).put("resumeLeaseMs", LEASE_MS);
        Replica a = replica("A", config);
        Replica b = replica("B", config);
        f.put("optionsOnB", b.hello().path("options"));

        JsonNode interrupt = interruptOn(a, "conv-" + user, user, "slow notes");
        String id = interrupt.get("id").asText();
        JsonNode consented = a.call("completeConsent", "callback", signIn(authorizationUrl(interrupt), user)
                .toString(), "user", user);
        assertThat(consented.path("status").asText()).isEqualTo("COMPLETED");

        java.util.concurrent.CompletableFuture<JsonNode> resumingOnA = a.send("resume", "interruptId", id, "user", user);
        assertThat(toolLog.awaitStarts("slowNotes", 1, 30_000)).as("A's resume started the tool: "
                + resumingOnA.getNow(null)).isTrue();
        a.kill();
        long killedAt = System.nanoTime();
        openGate("slowNotes"); // whoever runs the tool from now on is not held up

        JsonNode first = b.call("resume", "interruptId", id, "user", user);
        List<String> answers = new ArrayList<>();
        answers.add(describe(first));
        JsonNode last = first;
        long deadline = killedAt + (LEASE_MS + 10_000) * 1_000_000;
        while (describe(last).endsWith(":" + ResumeRejectedException.Reason.IN_PROGRESS.name()) && System.nanoTime() < deadline) {
            sleep(250);
            last = b.call("resume", "interruptId", id, "user", user);
            answers.add(describe(last));
        }
        long takeoverMs = outcome(last).equals("answer") ? millisSince(killedAt) : -1;
        f.put("firstResumeOnB", describe(first)).put("resumeAnswersOnB", collapse(answers))
                .put("takeoverAfterKill_ms", takeoverMs).put("slowNotesStarts", toolLog.starts("slowNotes"))
                .put("slowNotesStartsOnB", toolLog.starts("slowNotes", "B"))
                .put("answer", last.path("text").asText(last.path("message").asText()));
        return new Run(f, b, first, answers, last, takeoverMs);
    }

    /** ["a","a","a","b"] as "a x3, b". */
    static String collapse(List<String> answers) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < answers.size(); ) {
            int j = i;
            while (j < answers.size() && answers.get(j).equals(answers.get(i))) {
                j++;
            }
            out.append(out.length() == 0 ? "" : ", ").append(answers.get(i)).append(j - i > 1 ? " x" + (j - i) : "");
            i = j;
        }
        return out.toString();
    }
}
