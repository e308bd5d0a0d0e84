package dev.agentauth.springai.internal;

import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.TurnScope;
import dev.agentauth.core.Principal;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

/**
 * One {@code ChatClient} call as the agent's advisors and tools share it, under {@link #KEY} in the tool context of the
 * call's options: who it acts for, its conversation, what it began with (for its continuation), and what its
 * tool loop has done so far — each round's request and the assistant message whose tool calls run now. Spring AI hands
 * a tool its arguments but not its call's id, so a tool call {@linkplain #claim claims} its id here: the first call of
 * the current assistant message with its name and arguments (Spring AI runs them in order). Thread-safe.
 */
final class TurnState {

    /** Where the state is kept in a call's tool context. */
    static final String KEY = "agentauth.turn";

    /** 64 random bits per process, in 11 base64url characters: turn ids of two replicas sharing a store differ. */
    private static final String ID_PREFIX = prefix();
    private static final AtomicLong IDS = new AtomicLong();

    /** This turn's number in the process: its id's suffix. */
    private final long serial = IDS.incrementAndGet();
    /** Who the call acts for, or {@code null} when it names nobody (an authenticated tool then refuses to run). */
    final Principal principal;
    final String conversationId;
    /** The call's own messages (system, the user's), as first sent; a resumed call carries its original ones. */
    final List<Message> prompt;
    /**
     * What the call is made again with, as the call had them: its advisor parameters and tool context entries, and its
     * options; read (the agent's own entries left out) only when a continuation is written, so that a turn that is
     * never interrupted copies none of them.
     */
    private final Map<String, Object> params;
    private final Map<String, Object> toolContext;
    private final ChatOptions options;
    /** The earlier exchange a resume handed this call itself (no chat memory holds it), or empty. */
    final List<Message> injected;
    /** What the agent core keeps of this call's tool calls: held here, so the core keeps nothing of it by id. */
    final TurnScope scope;

    private int baseline = -1;
    private List<Message> exchange = List.of();
    private AssistantMessage assistant;
    /** Which tool calls of {@link #assistant} are claimed, by position; made at the round's first claim. */
    private boolean[] claimed;
    private int unknownIds;

    /**
     * {@code params} and {@code toolContext} are the call's own maps, read later and never changed: values may be null
     * or objects (a continuation keeps the plain ones).
     */
    TurnState(Principal principal, String conversationId, List<Message> prompt, Map<String, Object> params,
              Map<String, Object> toolContext, ChatOptions options, List<Message> injected, TurnScope scope) {
        this.principal = principal;
        this.conversationId = conversationId;
        this.prompt = List.copyOf(prompt);
        this.params = params;
        this.toolContext = toolContext;
        this.options = options;
        this.injected = List.copyOf(injected);
        this.scope = scope;
    }

    /**
     * Unique in this process (a counter) and across replicas (a random prefix per process); no random draw per turn.
     * Made when asked (an interrupt, a call of no known message), not per turn: the core finds the turn by its scope.
     */
    String id() {
        return ID_PREFIX + Long.toString(serial, 36);
    }

    /** The call's advisor parameters a resumed call is given again: neither the agent's own nor the response's. */
    Map<String, Object> params() {
        return without(params, TurnState::notReplayed);
    }

    /** The call's tool context entries, the agent's own left out. */
    Map<String, Object> toolContext() {
        return without(toolContext, k -> k.startsWith("agentauth."));
    }

    /** The call's portable options (unset ones left out). */
    Map<String, Object> options() {
        return Continuations.options(options);
    }

    private static Map<String, Object> without(Map<String, Object> values, Predicate<String> skip) {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (!skip.test(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Advisor parameters a resumed call does not take from its continuation: the agent's own, and the response's. */
    private static boolean notReplayed(String key) {
        return key.startsWith("agentauth.") || key.equals(ChatMemory.CONVERSATION_ID)
                || key.startsWith("spring.ai.chat.client.output") || key.startsWith("spring.ai.chat.client.structured");
    }

    private static String prefix() {
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random) + ".";
    }

    /** The state in a tool context's map, or {@code null}. */
    static TurnState of(Map<String, ?> context) {
        return context != null && context.get(KEY) instanceof TurnState t ? t : null;
    }

    /** The state in the tool context of a round's options, or {@code null}. */
    static TurnState of(ChatOptions options) {
        return options instanceof ToolCallingChatOptions o ? of(o.getToolContext()) : null;
    }

    /**
     * A round of the tool loop sends {@code instructions} to the model: what came after the first round's is the
     * turn's exchange so far.
     */
    synchronized void request(List<Message> instructions) {
        if (baseline < 0 || baseline > instructions.size()) {
            baseline = instructions.size();
        }
        exchange = List.copyOf(instructions.subList(baseline, instructions.size()));
        assistant = null;
        claimed = null;
    }

    /** The model answered a round: its tool calls are the ones that run next. */
    synchronized void response(ChatResponse response) {
        assistant = null;
        claimed = null;
        if (response == null) {
            return;
        }
        List<Generation> results = response.getResults();
        for (int i = 0, n = results.size(); i < n; i++) { // indexed: no iterator per round
            AssistantMessage output = results.get(i).getOutput();
            if (output != null && !output.getToolCalls().isEmpty()) {
                assistant = output;
                return;
            }
        }
    }

    /**
     * The tool call now running: the first unclaimed call of the current assistant message named {@code name} with
     * these arguments (or, failing that, with this name); a call of no known message gets an id of its own.
     */
    synchronized ToolCall claim(String name, String arguments) {
        if (assistant != null) {
            int byName = -1;
            List<AssistantMessage.ToolCall> calls = assistant.getToolCalls();
            if (claimed == null) {
                claimed = new boolean[calls.size()];
            }
            for (int i = 0, n = calls.size(); i < n; i++) {
                AssistantMessage.ToolCall c = calls.get(i);
                if (claimed[i] || !c.name().equals(name)) {
                    continue;
                }
                if (normalized(c.arguments()).equals(normalized(arguments))) {
                    byName = i;
                    break;
                }
                if (byName < 0) {
                    byName = i;
                }
            }
            if (byName >= 0) {
                claimed[byName] = true;
                AssistantMessage.ToolCall c = calls.get(byName);
                return new ToolCall(c.id(), c.name(), c.arguments());
            }
        }
        return new ToolCall(id() + "-call-" + (++unknownIds), name, arguments);
    }

    /** The tool calls of the assistant message that made {@code current} (at least {@code current}). */
    synchronized List<ToolCall> batch(ToolCall current) {
        if (assistant != null && assistant.getToolCalls().stream().anyMatch(c -> c.id().equals(current.id()))) {
            return Messages.calls(assistant);
        }
        return List.of(current);
    }

    /** The assistant message whose calls run now, or {@code null}. */
    synchronized AssistantMessage assistant() {
        return assistant;
    }

    /** What the turn exchanged with the model before the current round: an injected one, then this call's rounds. */
    synchronized List<Message> exchange() {
        List<Message> all = new ArrayList<>(injected);
        all.addAll(exchange);
        return all;
    }

    private static String normalized(String arguments) {
        // Spring AI hands a tool "{}" for a call whose arguments are empty.
        return arguments == null || arguments.isBlank() ? "{}" : arguments.strip();
    }

    @Override
    public String toString() {
        return "TurnState[" + id() + "]"; // held in contexts that observations may print: nothing of the user's
    }
}
