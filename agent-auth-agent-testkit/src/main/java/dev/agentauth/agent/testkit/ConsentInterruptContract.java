package dev.agentauth.agent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The consent interrupt and resume, against the adapter: a tool without a token ends the turn with the interrupt (chat
 * memory valid, the interrupt listed for its user); after the user signed in at the identity provider, resume runs the
 * waiting call exactly once with that user's token and the model's continued answer comes back, the user's message
 * not repeated. Resume refused twice, for another user and before the consent, each with its
 * {@link ResumeRejectedException.Reason}; a declined consent told to the model, the conversation going on; the
 * interrupt's JSON in the shape every chat UI reads.
 *
 * <pre>{@code
 * class MyAdapterConsentInterruptTest extends ConsentInterruptContract {
 *     @Override
 *     protected AgentHarness harness() {
 *         return new MyAdapterHarness();
 *     }
 * }
 * }</pre>
 *
 * <p>Extend it with a {@code harness()} returning the adapter's {@link AgentHarness}. Its tests block on the agents
 * and may start threads of their own; see {@link AgentContract}.
 *
 * @since 0.3.0
 */
public abstract class ConsentInterruptContract extends AgentContract {

    @Test
    public void sendWhenNoTokenThenInterruptThenBrowserConsentThenResumeRunsTheToolOnceWithTheUsersToken() {
        TestAgent a = agent();

        ConsentInterrupt interrupt = a.interrupted("alice", "c-alice", LIST);

        assertThat(interrupt.user()).isEqualTo("alice");
        assertThat(interrupt.consents()).singleElement().satisfies(c -> {
            assertThat(c.provider()).isEqualTo(ContractTools.PROVIDER);
            assertThat(c.providerDisplayName()).isEqualTo(ContractTools.PROVIDER_DISPLAY_NAME);
            assertThat(c.scopes()).containsExactly("notes.read", "openid");
            assertThat(c.authorizationUrl()).startsWith(fixtures.idp.authorizationEndpoint());
        });
        List<NeutralMessage> paused = a.memory("c-alice");
        ToolCall call = lastCall(paused, ContractTools.LIST_NOTES);
        assertThat(interrupt.waitingToolCalls()).singleElement().satisfies(w -> {
            assertThat(w.id()).as("the model's own call id").isEqualTo(call.id());
            assertThat(w.toolName()).isEqualTo(ContractTools.LIST_NOTES);
            assertThat(w.provider()).isEqualTo(ContractTools.PROVIDER);
            assertThat(w.toolDescription()).isEqualTo(ContractTools.LIST_NOTES_DESCRIPTION);
        });
        assertThat(a.tools.runs()).as("nothing ran yet").isEmpty();
        assertEveryToolCallAnswered(paused);
        assertThat(a.agent.pendingInterrupts("alice")).extracting(ConsentInterrupt::id).containsExactly(interrupt.id());
        assertThat(a.agent.interrupt(interrupt.id())).contains(interrupt);
        int requestsBefore = a.model.requests().size();

        authorize(interrupt, "alice");
        Reply reply = a.agent.resume(interrupt.id(), "alice");

        assertThat(reply.text()).isEqualTo(answer(ContractTools.LIST_NOTES, notesOf("alice")));
        assertThat(a.tools.runs()).as("the waiting call ran exactly once").singleElement().satisfies(run -> {
            assertThat(run.tool()).isEqualTo(ContractTools.LIST_NOTES);
            assertThat(subject(run.token())).as("with alice's token").isEqualTo("alice");
        });
        List<NeutralMessage> memory = a.memory("c-alice");
        assertEveryToolCallAnswered(memory);
        assertThat(resultsOf(memory, call.id())).as("the placeholder replaced by the result")
                .containsExactly(notesOf("alice"));
        assertThat(said(memory, LIST)).as("the user's message is not added again").isEqualTo(1);
        assertThat(memory.get(memory.size() - 1)).as("the continued answer ends the conversation")
                .isEqualTo(new NeutralMessage.Assistant(reply.text(), List.of()));
        List<ModelRequest> continued = a.model.requests().subList(requestsBefore, a.model.requests().size());
        assertThat(continued).as("the continued turn asked the model once").hasSize(1);
        assertThat(said(continued.get(0).messages(), LIST)).isEqualTo(1);
        assertThat(resultsOf(continued.get(0).messages(), call.id())).containsExactly(notesOf("alice"));
        assertThat(a.agent.pendingInterrupts("alice")).isEmpty();
        assertThat(a.agent.interrupt(interrupt.id())).isEmpty();

        // alice has connected: her next message needs no consent
        assertThat(a.agent.send("alice", "c-alice", LIST).text())
                .isEqualTo(answer(ContractTools.LIST_NOTES, notesOf("alice")));
        assertThat(a.tools.runs(ContractTools.LIST_NOTES)).isEqualTo(2);
    }

    @Test
    public void resumeWhenResumedTwiceThenUnknownAndTheToolRanOnce() {
        TestAgent a = agent();
        ConsentInterrupt interrupt = a.interrupted("bob", "c-bob", LIST);
        authorize(interrupt, "bob");
        assertThat(a.agent.resume(interrupt.id(), "bob").text()).contains(notesOf("bob"));

        ResumeRejectedException again = rejection(() -> a.agent.resume(interrupt.id(), "bob"));

        assertThat(again.reason()).isEqualTo(ResumeRejectedException.Reason.UNKNOWN);
        assertThat(a.tools.runs(ContractTools.LIST_NOTES)).as("exactly once").isEqualTo(1);
        assertEveryToolCallAnswered(a.memory("c-bob"));
    }

    @Test
    public void resumeWhenAnotherUserAsksThenWrongUserNothingRunsAndTheRightUserStillCan() {
        TestAgent a = agent();
        ConsentInterrupt interrupt = a.interrupted("carol", "c-carol", LIST);
        authorize(interrupt, "carol");

        assertThat(rejection(() -> a.agent.resume(interrupt.id(), "mallory")).reason())
                .isEqualTo(ResumeRejectedException.Reason.WRONG_USER);
        assertThat(rejection(() -> a.agent.decline(interrupt.id(), "mallory")).reason())
                .isEqualTo(ResumeRejectedException.Reason.WRONG_USER);

        assertThat(a.tools.runs()).isEmpty();
        assertThat(a.agent.pendingInterrupts("mallory")).isEmpty();
        assertThat(a.agent.resume(interrupt.id(), "carol").text())
                .isEqualTo(answer(ContractTools.LIST_NOTES, notesOf("carol")));
        assertThat(subject(a.tools.runs().get(0).token())).isEqualTo("carol");
    }

    @Test
    public void resumeWhenTheConsentIsNotGivenYetThenConsentPendingAndTheInterruptStaysOpen() {
        TestAgent a = agent();
        ConsentInterrupt interrupt = a.interrupted("dave", "c-dave", LIST);

        ResumeRejectedException early = rejection(() -> a.agent.resume(interrupt.id(), "dave"));

        assertThat(early.reason()).isEqualTo(ResumeRejectedException.Reason.CONSENT_PENDING);
        assertThat(early.interrupt()).as("the card to show again").isNotNull()
                .extracting(ConsentInterrupt::id).isEqualTo(interrupt.id());
        assertThat(a.tools.runs()).isEmpty();
        assertThat(a.agent.pendingInterrupts("dave")).extracting(ConsentInterrupt::id).containsExactly(interrupt.id());

        authorize(interrupt, "dave");
        assertThat(a.agent.resume(interrupt.id(), "dave").text()).contains(notesOf("dave"));
        assertThat(a.tools.runs(ContractTools.LIST_NOTES)).isEqualTo(1);
    }

    @Test
    public void declineWhenTheUserSaysNotNowThenTheModelIsToldAndTheConversationGoesOn() throws Exception {
        TestAgent a = agent();
        ConsentInterrupt interrupt = a.interrupted("erin", "c-erin", LIST);
        ConsentId consent = new ConsentId(interrupt.consents().get(0).consentId());
        String callId = interrupt.waitingToolCalls().get(0).id();

        Reply reply = a.agent.decline(interrupt.id(), "erin");

        String told = "The user declined to authorize " + ContractTools.PROVIDER_DISPLAY_NAME;
        assertThat(reply.text()).contains(told);
        assertThat(a.tools.runs()).as("the declined call never runs").isEmpty();
        List<NeutralMessage> memory = a.memory("c-erin");
        assertEveryToolCallAnswered(memory);
        assertThat(resultsOf(memory, callId)).singleElement().asString().contains(told);
        List<ModelRequest> requests = a.model.requests();
        assertThat(resultsOf(requests.get(requests.size() - 1).messages(), callId)).as("the model was told")
                .singleElement().asString().contains(told);
        ExecutionException waiting = catchThrowableOfType(ExecutionException.class,
                () -> a.broker.consentCompletion(consent).get(10, TimeUnit.SECONDS));
        assertThat(waiting).as("the consent ended").isNotNull();
        assertThat(waiting.getCause()).isInstanceOfSatisfying(ConsentFailedException.class,
                f -> assertThat(f.reason()).isEqualTo(ConsentFailedException.Reason.DENIED));
        assertThat(rejection(() -> a.agent.decline(interrupt.id(), "erin")).reason())
                .isEqualTo(ResumeRejectedException.Reason.UNKNOWN);
        assertThat(a.agent.pendingInterrupts("erin")).isEmpty();

        // The conversation goes on: the next message asks again, in the same, valid conversation.
        ConsentInterrupt next = a.interrupted("erin", "c-erin", LIST);
        assertThat(next.id()).isNotEqualTo(interrupt.id());
        assertEveryToolCallAnswered(a.memory("c-erin"));
        assertThat(said(a.memory("c-erin"), LIST)).isEqualTo(2);
    }

    @Test
    public void interruptWhenSerializedThenTheJsonEveryChatUiReadsWithTheAdaptersToolCall() throws Exception {
        TestAgent a = agent();
        ConsentInterrupt interrupt = a.interrupted("frank", "c-frank", LIST);
        String callId = lastCall(a.memory("c-frank"), ContractTools.LIST_NOTES).id();

        String json = interrupt.toJson();

        JsonNode card = new ObjectMapper().readTree(json);
        assertThat(fields(card)).containsExactly("type", "id", "user", "agent", "consents", "waitingToolCalls",
                "expiresAt");
        assertThat(card.path("type").asText()).isEqualTo("consent_interrupt");
        assertThat(card.path("id").asText()).isEqualTo(interrupt.id());
        assertThat(card.path("user").asText()).isEqualTo("frank");
        assertThat(card.path("agent").asText()).isNotBlank();
        JsonNode consent = card.path("consents").get(0);
        assertThat(card.path("consents")).hasSize(1);
        assertThat(fields(consent)).containsExactly("consentId", "provider", "providerDisplayName", "scopes",
                "scopeDetails", "connectedAccount", "prompt", "authorizationUrl", "expiresAt");
        assertThat(consent.path("providerDisplayName").asText()).isEqualTo(ContractTools.PROVIDER_DISPLAY_NAME);
        assertThat(consent.path("prompt").asText()).isEqualTo("redirect");
        assertThat(consent.path("connectedAccount").isNull()).isTrue();
        assertThat(consent.path("scopeDetails").toString())
                .isEqualTo("[{\"scope\":\"notes.read\",\"description\":\"Read your notes\",\"alreadyGranted\":false}]");
        assertThat(Instant.parse(consent.path("expiresAt").asText())).isAfter(Instant.now());
        JsonNode waiting = card.path("waitingToolCalls");
        assertThat(waiting).hasSize(1);
        assertThat(fields(waiting.get(0))).containsExactly("id", "toolName", "provider", "toolDescription");
        assertThat(waiting.get(0).path("id").asText()).isEqualTo(callId);
        assertThat(waiting.get(0).path("toolName").asText()).isEqualTo(ContractTools.LIST_NOTES);
        assertThat(waiting.get(0).path("toolDescription").asText()).isEqualTo(ContractTools.LIST_NOTES_DESCRIPTION);
        assertThat(ConsentInterrupt.fromJson(json)).as("read back as it was").isEqualTo(interrupt);
        assertThat(a.agent.pendingInterrupts("frank")).singleElement().extracting(ConsentInterrupt::toJson)
                .isEqualTo(json);
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
