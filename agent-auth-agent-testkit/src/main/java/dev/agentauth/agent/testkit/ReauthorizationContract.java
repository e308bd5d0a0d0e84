package dev.agentauth.agent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentInterrupt;
import java.util.List;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * An API's 401 and 403 answers to the adapter's tools, through the one reauthorization policy of the agent core: a
 * rejected token is refreshed once and the tool runs again, with no consent and no word to the model; a refreshed
 * token rejected too asks the user again; a 403 {@code insufficient_scope} asks for a step-up consent for the union of
 * scopes, the card marking those already granted — from a new turn, and from inside a resume, whose call then ends
 * with the step-up interrupt.
 *
 * <p>Extend it with a {@code harness()} returning the adapter's {@link AgentHarness}. Its tests block on the agents
 * and may start threads of their own; see {@link AgentContract}.
 *
 * @since 0.3.0
 */
public abstract class ReauthorizationContract extends AgentContract {

    @Test
    public void toolWhenTheApiRejectsTheTokenThenItIsRefreshedOnceAndTheToolRunsAgain() {
        TestAgent a = agent();
        connect(a, "gina", "c-gina");
        String rejected = a.tools.runs().get(0).token();
        fixtures.api.rejectOnce(rejected);
        fixtures.idp.drainRequests();

        Reply reply = a.agent.send("gina", "c-gina", LIST);

        assertThat(reply.text()).isEqualTo(answer(ContractTools.LIST_NOTES, notesOf("gina")));
        List<RecordedRequest> tokenRequests = fixtures.idp.drainTokenRequestList();
        assertThat(tokenRequests).as("one refresh, nothing else").singleElement()
                .satisfies(r -> assertThat(r.getBody().readUtf8()).contains("grant_type=refresh_token"));
        List<ContractTools.Run> runs = a.tools.runs();
        assertThat(runs).as("the consent's run, the rejected attempt, the retry").hasSize(3);
        assertThat(runs.get(1).token()).isEqualTo(rejected);
        assertThat(runs.get(2).token()).as("the retry has the refreshed token").isNotEqualTo(rejected);
        assertThat(subject(runs.get(2).token())).isEqualTo("gina");
        assertThat(a.agent.pendingInterrupts("gina")).isEmpty();
        assertEveryToolCallAnswered(a.memory("c-gina"));
    }

    @Test
    public void toolWhenTheApiRejectsTheRefreshedTokenTooThenTheUserIsAskedAgain() {
        TestAgent a = agent();
        connect(a, "hank", "c-hank");
        fixtures.api.rejectNext(2);

        ConsentInterrupt again = a.interrupted("hank", "c-hank", LIST);

        assertThat(again.consents()).singleElement()
                .satisfies(c -> assertThat(c.provider()).isEqualTo(ContractTools.PROVIDER));
        assertEveryToolCallAnswered(a.memory("c-hank"));
        authorize(again, "hank");
        assertThat(a.agent.resume(again.id(), "hank").text())
                .isEqualTo(answer(ContractTools.LIST_NOTES, notesOf("hank")));
    }

    @Test
    public void toolWhenTheApiWantsMoreScopeThenAStepUpConsentWhoseCardMarksTheScopesAlreadyGranted() {
        TestAgent a = agent();
        connect(a, "ivan", "c-ivan");

        ConsentInterrupt stepUp = a.interrupted("ivan", "c-ivan", ARCHIVE);

        assertThat(stepUp.consents()).singleElement().satisfies(c -> {
            assertThat(c.scopes()).as("the union").containsExactly(ContractTools.ARCHIVE_SCOPE, "notes.read",
                    "openid");
            assertThat(c.scopeDetails()).containsExactlyInAnyOrder(
                    new ConsentInterrupt.ScopeDetail("notes.read", "Read your notes", true),
                    new ConsentInterrupt.ScopeDetail(ContractTools.ARCHIVE_SCOPE, "Archive your notes", false));
        });
        assertThat(stepUp.waitingToolCalls()).singleElement().satisfies(w -> {
            assertThat(w.toolName()).isEqualTo(ContractTools.ARCHIVE_NOTES);
            assertThat(w.toolDescription()).isEqualTo(ContractTools.ARCHIVE_NOTES_DESCRIPTION);
        });
        assertEveryToolCallAnswered(a.memory("c-ivan"));
        authorize(stepUp, "ivan");
        assertThat(a.agent.resume(stepUp.id(), "ivan").text()).isEqualTo(answer(ContractTools.ARCHIVE_NOTES,
                "archived " + notesOf("ivan") + " with scopes notes.archive notes.read openid"));
        assertThat(a.tools.runs(ContractTools.ARCHIVE_NOTES)).as("refused once, then run").isEqualTo(2);
    }

    @Test
    public void resumeWhenTheResumedToolWantsMoreScopeThenTheResumeEndsWithTheStepUpInterrupt() {
        TestAgent a = agent();
        ConsentInterrupt first = a.interrupted("judy", "c-judy", ARCHIVE);
        assertThat(first.consents().get(0).scopes()).containsExactly("notes.read", "openid");
        authorize(first, "judy");

        ConsentInterrupt stepUp = interruptOf(() -> a.agent.resume(first.id(), "judy"));

        assertThat(stepUp.id()).isNotEqualTo(first.id());
        assertThat(stepUp.user()).isEqualTo("judy");
        assertThat(stepUp.consents()).singleElement().satisfies(c -> assertThat(c.scopes())
                .containsExactly(ContractTools.ARCHIVE_SCOPE, "notes.read", "openid"));
        assertEveryToolCallAnswered(a.memory("c-judy"));
        assertThat(a.agent.pendingInterrupts("judy")).extracting(ConsentInterrupt::id).containsExactly(stepUp.id());
        authorize(stepUp, "judy");
        assertThat(a.agent.resume(stepUp.id(), "judy").text()).contains("archived " + notesOf("judy"));
        assertThat(said(a.memory("c-judy"), ARCHIVE)).isEqualTo(1);
        assertEveryToolCallAnswered(a.memory("c-judy"));
    }
}
