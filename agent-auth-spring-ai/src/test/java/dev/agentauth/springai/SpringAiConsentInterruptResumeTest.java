package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.springai.testing.ScriptedChatModel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.converter.StructuredOutputConverter;

/**
 * The consent interrupt through a Spring AI ChatClient: interrupt → the user signs in at the real identity provider →
 * resume runs the waiting call once and continues the turn through the ChatClient (memory advisor, tools) with the
 * model seeing exactly the uninterrupted turn; memory valid at every step; resume refused before consent, for another
 * user and twice; decline; several consents in one card; a resume without chat memory.
 */
class SpringAiConsentInterruptResumeTest extends SpringAiTestBase {

    /** The model's answer with alice's notes (Spring AI writes a tool's String result as JSON). */
    static final String ALICES_ANSWER = "Answer: listNotes -> \"notes of alice: [welcome, alice]\"";

    @Test
    void chatWhenNoTokenThenInterruptThenConsentThenResumeRunsToolOnceAndAnswers() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "alice", "c1", "list my notes")).interrupt();

        assertThat(interrupt.user()).isEqualTo("alice");
        assertThat(interrupt.consents()).singleElement().satisfies(c -> {
            assertThat(c.provider()).isEqualTo("corp");
            assertThat(c.providerDisplayName()).isEqualTo("Corp Notes");
            assertThat(c.scopes()).contains("notes.read");
            assertThat(c.scopeDetails()).anySatisfy(d -> assertThat(d.description()).isEqualTo("Read your notes"));
        });
        assertThat(interrupt.waitingToolCalls()).singleElement().satisfies(w -> {
            assertThat(w.toolName()).isEqualTo("listNotes");
            assertThat(w.toolDescription()).isEqualTo("List my notes");
        });
        assertThat(ConsentInterrupt.fromJson(interrupt.toJson())).isEqualTo(interrupt);
        assertThat(tools.listRuns).hasValue(0);
        // Memory is valid while the user decides: the call is answered by a placeholder.
        List<Message> waiting = memory.get("c1");
        assertEveryToolCallAnswered(waiting);
        assertThat(((ToolResponseMessage) waiting.get(waiting.size() - 1)).getResponses().get(0).responseData())
                .startsWith("Waiting for the user to authorize");
        assertThat(agent.pendingInterrupts("alice")).extracting(ConsentInterrupt::id).containsExactly(interrupt.id());

        authorizeAll(interrupt, "alice");
        int before = model.requests().size();
        assertThat(agent.resume(interrupt.id(), "alice").content()).isEqualTo(ALICES_ANSWER);
        assertThat(tools.listRuns).hasValue(1);

        // The model's request is the uninterrupted turn's: the user's message once, the call, the real result.
        Prompt continued = model.requests().get(before);
        List<Message> sent = continued.getInstructions();
        assertThat(sent.stream().filter(m -> m instanceof UserMessage)).hasSize(1);
        assertThat(sent.get(sent.size() - 2)).isInstanceOf(AssistantMessage.class);
        assertThat(((ToolResponseMessage) sent.get(sent.size() - 1)).getResponses().get(0).responseData())
                .isEqualTo("\"notes of alice: [welcome, alice]\"");
        assertThat(ScriptedChatModel.toolNames(continued)).contains("listNotes", "add");
        // Memory: the user's message once, the call, its result (the placeholder replaced), the answer.
        List<Message> after = memory.get("c1");
        assertEveryToolCallAnswered(after);
        assertThat(after.stream().filter(m -> m instanceof UserMessage)).hasSize(1);
        assertThat(after.get(after.size() - 1).getText()).isEqualTo(ALICES_ANSWER);
        assertThat(after.toString()).doesNotContain("Waiting for the user");
        assertThat(agent.pendingInterrupts("alice")).isEmpty();

        // Once connected, the next turn runs at once, and the conversation goes on in the same memory.
        assertThat(chat(agent, "alice", "c1", "list my notes")).isEqualTo(ALICES_ANSWER);
        assertEveryToolCallAnswered(memory.get("c1"));
        // Every turn reported its end: the interrupted one (settled), the resumed one and the last one.
        assertThat(agent.core().turnsKept()).isZero();
    }

    @Test
    void resumeWhenConsentPendingOrWrongUserOrTwiceThenRejectedAndToolRunsOnce() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "bob", "c2", "list my notes")).interrupt();

        ResumeRejectedException pending = catchThrowableOfType(ResumeRejectedException.class,
                () -> agent.resume(interrupt.id(), "bob"));
        assertThat(pending.reason()).isEqualTo(ResumeRejectedException.Reason.CONSENT_PENDING);
        assertThat(pending.interrupt().id()).isEqualTo(interrupt.id());

        authorizeAll(interrupt, "bob");
        assertThat(catchThrowableOfType(ResumeRejectedException.class, () -> agent.resume(interrupt.id(), "mallory"))
                .reason()).isEqualTo(ResumeRejectedException.Reason.WRONG_USER);

        assertThat(agent.resume(interrupt.id(), "bob").content()).contains("notes of bob");
        assertThat(catchThrowableOfType(ResumeRejectedException.class, () -> agent.resume(interrupt.id(), "bob"))
                .reason()).isEqualTo(ResumeRejectedException.Reason.UNKNOWN);
        assertThat(tools.listRuns).hasValue(1);
    }

    @Test
    void declineWhenUserSaysNotNowThenModelIsToldAndConversationGoesOn() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "carol", "c3", "list my notes")).interrupt();

        assertThat(agent.decline(interrupt.id(), "carol").content())
                .isEqualTo("Answer: listNotes -> The user declined to authorize Corp Notes, so the tool could not"
                        + " run. Tell the user it needs that authorization.");
        assertThat(tools.listRuns).hasValue(0);
        assertEveryToolCallAnswered(memory.get("c3"));
        assertThat(events).anySatisfy(e -> assertThat(e.type())
                .isEqualTo(dev.agentauth.core.AuditEvent.Type.CONSENT_DENIED));
    }

    @Test
    void turnWhenTwoProvidersAndAPlainToolThenOneCardAndResumeKeepsWhatRan() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "dave", "c4", "notes and crm")).interrupt();
        assertThat(interrupt.consents()).extracting(ConsentInterrupt.Consent::provider)
                .containsExactlyInAnyOrder("corp", "crm");
        assertThat(interrupt.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::toolName)
                .containsExactly("listNotes", "crmWhoAmI", "add");
        assertEveryToolCallAnswered(memory.get("c4"));

        authorizeAll(interrupt, "dave");
        assertThat(agent.resume(interrupt.id(), "dave").content())
                .isEqualTo("Answer: listNotes -> \"notes of dave: [welcome, dave]\" | crmWhoAmI -> \"sub=dave\""
                        + " | add -> 5");
        assertThat(tools.addRuns).hasValue(1);
        assertEveryToolCallAnswered(memory.get("c4"));
    }

    @Test
    void turnWhenAPlainToolRanBeforeTheInterruptThenItIsNotRunAgain() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "erin", "c5", "add and list")).interrupt();
        assertThat(tools.addRuns).hasValue(1);
        assertThat(interrupt.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::toolName)
                .containsExactly("listNotes");
        authorizeAll(interrupt, "erin");
        assertThat(agent.resume(interrupt.id(), "erin").content())
                .isEqualTo("Answer: add -> 5 | listNotes -> \"notes of erin: [welcome, erin]\"");
        assertThat(tools.addRuns).hasValue(1);
    }

    @Test
    void resumeWhenNoChatMemoryThenTheContinuedCallCarriesTheExchange() {
        AuthenticatedChatClient agent = agentBuilder(dev.agentauth.agent.ConsentMode.INTERRUPT).build();
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.chatClient().prompt().system("You keep notes.").user("list my notes")
                        .advisors(AuthenticatedChatClient.user("frank")).call().content()).interrupt();
        authorizeAll(interrupt, "frank");
        int before = model.requests().size();
        assertThat(agent.resume(interrupt.id(), "frank").content())
                .isEqualTo("Answer: listNotes -> \"notes of frank: [welcome, frank]\"");
        List<Message> sent = model.requests().get(before).getInstructions();
        assertThat(sent).hasSize(4);
        assertThat(sent.get(0).getText()).isEqualTo("You keep notes.");
        assertThat(sent.get(1).getText()).isEqualTo("list my notes");
        assertThat(((AssistantMessage) sent.get(2)).getToolCalls()).singleElement()
                .satisfies(c -> assertThat(c.name()).isEqualTo("listNotes"));
        assertThat(((ToolResponseMessage) sent.get(3)).getResponses().get(0).responseData())
                .isEqualTo("\"notes of frank: [welcome, frank]\"");
    }

    @Test
    void resumeWhenTheCallerWantsAnEntityThenTheContinuedAnswerIsConverted() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "gina", "c6", "list my notes")).interrupt();
        authorizeAll(interrupt, "gina");
        int before = model.requests().size();
        String shouted = agent.resume(interrupt.id(), "gina").entity(new StructuredOutputConverter<String>() {
            @Override
            public String convert(String text) {
                return text.toUpperCase(java.util.Locale.ROOT);
            }

            @Override
            public String getFormat() {
                return "Answer in capitals.";
            }
        });
        assertThat(shouted).isEqualTo("ANSWER: LISTNOTES -> \"NOTES OF GINA: [WELCOME, GINA]\"");
        // Spring AI's format instructions reach the model on the user's message, which memory holds.
        List<Message> sent = model.requests().get(before).getInstructions();
        assertThat(sent.stream().filter(m -> m instanceof UserMessage).map(Message::getText))
                .singleElement().asString().endsWith("Answer in capitals.");
    }
}
