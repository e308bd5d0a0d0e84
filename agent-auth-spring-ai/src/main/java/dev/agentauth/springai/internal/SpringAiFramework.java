package dev.agentauth.springai.internal;

import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.Continuation;
import dev.agentauth.agent.spi.FrameworkAdapter;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.core.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * What the agent core asks of Spring AI. <b>Memory</b>: Spring AI's memory advisor keeps a turn's user message and its
 * final answer, not the tool loop in between; so when a turn is interrupted its exchange so far — the assistant
 * message with the tool calls and one response per call (the real result, or a placeholder for a call that waits) — is
 * written into the conversation's {@link ChatMemory}, which stays valid while the user decides, and a resume replaces
 * the placeholders by id. (A memory that already holds the tool calls, its advisor inside the tool loop, only gets the
 * missing responses.) <b>Continuation</b>: the interrupted {@code ChatClient} call is made again through the same
 * {@code ChatClient} — its advisors, memory and tools — with what it began with; with memory, the conversation already
 * holds the rest; without, the call carries the exchange and the results itself. Thread-safe.
 */
final class SpringAiFramework implements FrameworkAdapter {

    /** The result of a call an operator's failure stopped: nothing of the failure, which the log has. */
    static final String NOT_RUN = "Not run: the application could not authorize this call.";

    private final ChatMemory memory;
    private final Supplier<ChatClient> chatClient;
    /** Turns being settled now, by conversation: their exchange goes into memory. */
    private final ConcurrentHashMap<String, TurnState> settling = new ConcurrentHashMap<>();

    /**
     * @param memory     the application's chat memory (not the advisor's wrapper), or {@code null}
     * @param chatClient the agent's chat client, once built
     */
    SpringAiFramework(ChatMemory memory, Supplier<ChatClient> chatClient) {
        this.memory = memory;
        this.chatClient = chatClient;
    }

    @Override
    public String name() {
        return Continuations.ADAPTER;
    }

    /** Runs {@code settle} with {@code turn}'s exchange at hand for {@link #settled}. */
    <T> T settling(TurnState turn, Supplier<T> settle) {
        if (turn == null || turn.conversationId == null) {
            return settle.get();
        }
        settling.put(turn.conversationId, turn);
        try {
            return settle.get();
        } finally {
            settling.remove(turn.conversationId, turn);
        }
    }

    @Override
    public void settled(Object memoryId, List<ToolCall> batch, Map<String, ToolResult> answers) {
        if (memory == null || memoryId == null) {
            return;
        }
        String conversation = memoryId.toString();
        List<Message> held = memory.get(conversation);
        int made = Messages.lastAssistantOf(held, batch);
        if (made >= 0) {
            // The memory advisor sits inside the tool loop: the calls are there, their responses are not (all).
            Set<String> answered = Messages.answeredAfter(held, made);
            Map<String, ToolResult> missing = new LinkedHashMap<>(answers);
            missing.keySet().removeAll(answered);
            if (!missing.isEmpty()) {
                memory.add(conversation, Messages.responses(batch, missing));
            }
            return;
        }
        TurnState turn = settling.get(conversation);
        List<Message> exchange = new ArrayList<>();
        AssistantMessage assistant = null;
        if (turn != null && turn.assistant() != null) {
            exchange.addAll(turn.exchange());
            assistant = turn.assistant();
        }
        exchange.add(assistant != null ? assistant : Messages.assistant(batch));
        exchange.add(Messages.responses(batch, answers));
        memory.add(conversation, exchange);
    }

    @Override
    public void resumed(Object memoryId, List<ToolCall> batch, Map<String, ToolResult> answers) {
        if (memory == null || memoryId == null || answers.isEmpty()) {
            return;
        }
        String conversation = memoryId.toString();
        List<Message> messages = new ArrayList<>(memory.get(conversation));
        boolean changed = false;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) instanceof ToolResponseMessage t
                    && t.getResponses().stream().anyMatch(r -> answers.containsKey(r.id()))) {
                List<ToolResponseMessage.ToolResponse> responses = new ArrayList<>();
                for (ToolResponseMessage.ToolResponse r : t.getResponses()) {
                    ToolResult a = answers.get(r.id());
                    responses.add(a == null ? r : new ToolResponseMessage.ToolResponse(r.id(), r.name(), a.text()));
                }
                messages.set(i, ToolResponseMessage.builder().responses(responses).metadata(t.getMetadata()).build());
                changed = true;
            }
        }
        if (changed) {
            // ChatMemory has no replace: the conversation is quiet while it is resumed.
            memory.clear(conversation);
            memory.add(conversation, messages);
        }
    }

    /** Answers each call of the conversation's last tool-calling message that has no response yet with {@code text}. */
    void answerUnanswered(String conversation, String text) {
        if (memory == null || conversation == null) {
            return;
        }
        List<Message> held = memory.get(conversation);
        for (int i = held.size() - 1; i >= 0; i--) {
            if (held.get(i) instanceof AssistantMessage a && !a.getToolCalls().isEmpty()) {
                Set<String> answered = Messages.answeredAfter(held, i);
                List<ToolResponseMessage.ToolResponse> responses = new ArrayList<>();
                for (AssistantMessage.ToolCall c : a.getToolCalls()) {
                    if (!answered.contains(c.id())) {
                        responses.add(new ToolResponseMessage.ToolResponse(c.id(), c.name(), text));
                    }
                }
                if (!responses.isEmpty()) {
                    memory.add(conversation, ToolResponseMessage.builder().responses(responses).build());
                }
                return;
            }
        }
    }

    @Override
    public void checkContinuable(String interruptId, Principal principal, Continuation continuation) {
        Continuations.decode(continuation); // readable: the same ChatClient continues every turn of this agent
    }

    @Override
    public Object continueTurn(Continuation continuation, Object memoryId, Principal principal) {
        return continueTurn(continuation, memoryId, principal, List.of(), Map.of());
    }

    /**
     * The interrupted call, made again: a {@code ChatClient} request (not yet sent) with what the call began with; with
     * chat memory, without the user's message (memory holds it, and the exchange after it); without, with the exchange
     * and a response for each call of the interrupted batch.
     */
    @Override
    public Object continueTurn(Continuation continuation, Object memoryId, Principal principal, List<ToolCall> batch,
                               Map<String, ToolResult> results) {
        Continuations.Resumption r = Continuations.decode(continuation);
        List<Message> send = new ArrayList<>();
        List<Message> injected = new ArrayList<>();
        if (memory != null && memoryId != null) {
            send.addAll(withoutLastUser(r.prompt()));
        } else {
            AssistantMessage assistant = r.assistant() != null ? r.assistant() : Messages.assistant(batch);
            List<ToolCall> made = Messages.calls(assistant);
            Map<String, ToolResult> answers = new LinkedHashMap<>();
            for (ToolCall c : made) {
                answers.put(c.id(), results.getOrDefault(c.id(), ToolResult.error("No result was recorded for this"
                        + " call.")));
            }
            injected.addAll(r.exchange());
            injected.add(assistant);
            injected.add(Messages.responses(made, answers));
            send.addAll(r.prompt());
            send.addAll(injected);
        }
        Resume resume = new Resume(r.prompt(), send, injected);
        ChatClient.ChatClientRequestSpec spec = chatClient.get().prompt().messages(send).advisors(a -> {
            a.params(r.params());
            a.param(Resume.KEY, resume);
            a.param(dev.agentauth.springai.AuthenticatedChatClient.USER, principal.user());
            a.param(dev.agentauth.springai.AuthenticatedChatClient.AGENT, principal.agent());
            if (memoryId != null) {
                a.param(ChatMemory.CONVERSATION_ID, memoryId.toString());
            }
        }).options(Continuations.options(r.options()));
        if (!r.toolContext().isEmpty()) {
            spec.toolContext(r.toolContext());
        }
        return spec;
    }

    private static List<Message> withoutLastUser(List<Message> prompt) {
        List<Message> out = new ArrayList<>(prompt);
        for (int i = out.size() - 1; i >= 0; i--) {
            if (out.get(i) instanceof UserMessage) {
                out.remove(i);
                break;
            }
        }
        return out;
    }

    /**
     * A resumed call, in its advisor context: its messages are exactly {@code send}, its continuation keeps the
     * original {@code prompt}, and {@code injected} is the exchange it carries itself (no memory).
     */
    record Resume(List<Message> prompt, List<Message> send, List<Message> injected) {
        static final String KEY = "agentauth.resume";

        @Override
        public String toString() {
            return "Resume[" + send.size() + " messages]";
        }
    }
}
