package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

/**
 * A consent needed in a later round of Spring AI's tool loop: the rounds before it are kept (in chat memory, or in the
 * continued call itself without memory) and the resumed model request is the uninterrupted turn's.
 */
class SpringAiMultiRoundTest extends SpringAiTestBase {

    /** Round 1: add; round 2: listNotes; then an answer naming every tool response of the turn. */
    static final class TwoRoundModel implements ChatModel {
        final List<Prompt> requests = new CopyOnWriteArrayList<>();

        @Override
        public ChatOptions getOptions() {
            return ToolCallingChatOptions.builder().build();
        }

        @Override
        public ChatResponse call(Prompt prompt) {
            requests.add(prompt);
            List<Message> messages = prompt.getInstructions();
            Message last = messages.get(messages.size() - 1);
            AssistantMessage answer;
            if (last instanceof UserMessage) {
                answer = calls("r1", "add", "{\"a\":1,\"b\":2}");
            } else if (last instanceof ToolResponseMessage t && t.getResponses().get(0).name().equals("add")) {
                answer = calls("r2", "listNotes", "{}");
            } else {
                List<String> all = new ArrayList<>();
                for (Message m : messages) {
                    if (m instanceof ToolResponseMessage t) {
                        t.getResponses().forEach(r -> all.add(r.name() + "=" + r.responseData()));
                    }
                }
                answer = new AssistantMessage("Done: " + String.join(", ", all));
            }
            return new ChatResponse(List.of(new Generation(answer)));
        }

        private static AssistantMessage calls(String id, String name, String arguments) {
            return AssistantMessage.builder().content("").toolCalls(List.of(new AssistantMessage.ToolCall(id,
                    "function", name, arguments))).build();
        }
    }

    @Test
    void consentInTheSecondRoundWhenChatMemoryThenBothRoundsAreKeptAndTheResumeContinuesThem() {
        broker = broker();
        tools = new NotesTools(api);
        TwoRoundModel twoRounds = new TwoRoundModel();
        AuthenticatedChatClient agent = AuthenticatedChatClient.builder().broker(broker).chatModel(twoRounds)
                .tools(tools).chatMemory(memory).consentMode(ConsentMode.INTERRUPT).build();

        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "uma", "m", "sum then notes")).interrupt();
        assertThat(interrupt.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::id).containsExactly("r2");
        List<Message> waiting = memory.get("m");
        assertEveryToolCallAnswered(waiting);
        assertThat(waiting).hasSize(5); // the user's message, add and its result, listNotes and its placeholder

        authorizeAll(interrupt, "uma");
        int before = twoRounds.requests.size();
        assertThat(agent.resume(interrupt.id(), "uma").content())
                .isEqualTo("Done: add=3, listNotes=\"notes of uma: [welcome, uma]\"");
        assertThat(tools.addRuns).hasValue(1);
        List<Message> sent = twoRounds.requests.get(before).getInstructions();
        assertThat(sent).hasSize(5);
        assertThat(sent.stream().filter(m -> m instanceof UserMessage)).hasSize(1);
        assertEveryToolCallAnswered(memory.get("m"));
        assertThat(memory.get("m")).hasSize(6);
    }

    @Test
    void consentInTheSecondRoundWhenNoChatMemoryThenTheContinuedCallCarriesBothRounds() {
        broker = broker();
        tools = new NotesTools(api);
        TwoRoundModel twoRounds = new TwoRoundModel();
        AuthenticatedChatClient agent = AuthenticatedChatClient.builder().broker(broker).chatModel(twoRounds)
                .tools(tools).build();

        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.chatClient().prompt().user("sum then notes").advisors(AuthenticatedChatClient.user("vic"))
                        .call().content()).interrupt();
        authorizeAll(interrupt, "vic");
        int before = twoRounds.requests.size();
        assertThat(agent.resume(interrupt.id(), "vic").content())
                .isEqualTo("Done: add=3, listNotes=\"notes of vic: [welcome, vic]\"");
        assertThat(twoRounds.requests.get(before).getInstructions()).hasSize(5);
        assertThat(tools.addRuns).hasValue(1);
    }
}
