package dev.agentauth.springai.internal;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.agent.ToolDescriptor;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.agent.spi.AgentCore;
import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import dev.agentauth.springai.AuthenticatedChatClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.client.advisor.api.Advisor;
import org.springframework.ai.chat.client.advisor.api.MemoryAdvisor;
import org.springframework.ai.chat.client.advisor.api.ToolAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.metadata.ToolMetadata;

/**
 * The Spring AI adapter of the agent core: Spring AI's {@code @Tool} methods become the core's {@link ToolBinding}s and
 * {@link AgentToolCallback}s, each {@code ChatClient} call a turn, and the core's interrupts and resumes go through
 * Spring AI's own extension points — {@link TurnAdvisor} around the chat memory and tool loop, what records each
 * round of the loop ({@link RoundRecorder}, the loop's tool calling manager, in a {@code ChatClient} the agent builds;
 * else {@link RoundAdvisor} inside the loop), the tool callbacks, the chat memory advisor over the application's memory
 * ({@link ResumableMemory}) and the tool loop's exception processor ({@link AgentToolFailures}). No model loop of its
 * own: a resume makes the interrupted {@code ChatClient} call again. Thread-safe.
 */
public final class SpringAiAgent {

    private static final String EMPTY_SCHEMA = "{\"type\":\"object\",\"properties\":{}}";

    private final AgentCore core;
    private final SpringAiFramework framework;
    private final ResumableMemory memory;
    private final TurnAdvisor turnAdvisor;
    private final List<ToolCallback> callbacks;
    private final Set<String> names = new LinkedHashSet<>();
    private final String defaultAgent;
    private final ChatClient chatClient;
    /** Tool sources' tools as callbacks, converted once per descriptor (compared by identity). */
    private final ConcurrentHashMap<ToolDescriptor, ToolCallback> sourceCallbacks = new ConcurrentHashMap<>();

    /**
     * @param tools         objects with Spring AI {@code @Tool} methods
     * @param memory        the application's chat memory, or {@code null}
     * @param clientBuilder the application's {@code ChatClient} builder (this agent adds to a clone of it)
     * @param recordsRounds whether {@code clientBuilder}'s tool loop runs its tools with a manager from
     *                      {@link #recordingRounds} (else the agent adds an advisor inside the loop to record rounds)
     * @param coreBuilder   the core's options the public builder set (all but the framework and the tools)
     */
    public SpringAiAgent(List<Object> tools, List<ToolSource> sources, ChatMemory memory, String defaultAgent,
                         ChatClient.Builder clientBuilder, boolean recordsRounds, AgentCore.Builder coreBuilder) {
        this.defaultAgent = defaultAgent;
        this.memory = memory == null ? null : new ResumableMemory(memory);
        MessageChatMemoryAdvisor memoryAdvisor = memory == null ? null
                : MessageChatMemoryAdvisor.builder(this.memory).build();
        this.framework = new SpringAiFramework(memory, this::chatClient);
        List<SpringAiTools.Bound> bound = new ArrayList<>();
        for (Object t : tools) {
            bound.addAll(SpringAiTools.of(t));
        }
        this.core = coreBuilder.framework(framework).tools(bound.stream().map(SpringAiTools.Bound::binding).toList())
                .sources(sources).build();
        List<ToolCallback> own = new ArrayList<>();
        for (SpringAiTools.Bound b : bound) {
            own.add(new AgentToolCallback(b.definition(), b.metadata(), core, b.binding()));
            names.add(b.binding().name());
        }
        this.callbacks = List.copyOf(own);
        this.turnAdvisor = new TurnAdvisor(this, memoryAdvisor);
        List<Advisor> advisors = new ArrayList<>(List.of(turnAdvisor));
        if (!recordsRounds) {
            advisors.add(new RoundAdvisor());
        }
        ChatClient.Builder b = clientBuilder.clone().defaultAdvisors(advisors);
        if (!callbacks.isEmpty()) {
            b.defaultTools((Object[]) callbacks.toArray(ToolCallback[]::new));
        }
        this.chatClient = b.build();
    }

    public ChatClient chatClient() {
        return chatClient;
    }

    /**
     * {@code manager}, recording each round of the tool loop for the agent's turns: for the tool calling advisor of a
     * {@code ChatClient} the agent builds (then pass {@code recordsRounds}). The round is read from what the loop hands
     * the manager (the turn's state is in the options' tool context), so the turn's state is not added to the call's
     * advisor context: Spring AI copies that context several times a round, and an entry more costs each copy.
     */
    public static ToolCallingManager recordingRounds(ToolCallingManager manager) {
        return new RoundRecorder(manager);
    }

    /** The annotated tools as the model sees them: credential parameters removed. */
    public List<ToolCallback> toolCallbacks() {
        return callbacks;
    }

    public Optional<ConsentInterrupt> interrupt(String id) {
        return core.interrupt(id);
    }

    public List<ConsentInterrupt> pending(String user) {
        return core.pending(user);
    }

    /** See {@link AgentCore#resume}: the interrupted call, ready to be made again. */
    public ChatClient.ChatClientRequestSpec resume(String interruptId, String user) {
        return (ChatClient.ChatClientRequestSpec) core.resume(interruptId, user);
    }

    public ChatClient.ChatClientRequestSpec decline(String interruptId, String user) {
        return (ChatClient.ChatClientRequestSpec) core.decline(interruptId, user);
    }

    /** The agent core this adapter drives. */
    public AgentCore core() {
        return core;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // What the advisors do.

    /** A turn begun: the request to pass on, its state, and what to undo when it ends. */
    record Begun(ChatClientRequest request, TurnState state, Runnable onEnd) {
        void end() {
            onEnd.run();
        }
    }

    /**
     * Refuses a chain this agent cannot keep its promises in: a memory advisor of the application's (its memory would
     * not be repaired, and a resume would repeat the user's message) or no tool loop inside the agent's advisor.
     */
    void checkChain(List<? extends Advisor> chain) {
        boolean toolLoopInside = false;
        for (int i = 0, n = chain.size(); i < n; i++) {
            Advisor a = chain.get(i);
            if (a == turnAdvisor) {
                continue;
            }
            int kind = kindOf(a.getClass());
            if ((kind & MEMORY) != 0) {
                throw new IllegalStateException("the ChatClient of an AuthenticatedChatClient has a chat memory advisor"
                        + " of its own (" + a.getName() + "): give the ChatMemory to"
                        + " AuthenticatedChatClient.builder().chatMemory(...) instead, so that an interrupted turn"
                        + " leaves it valid and a resumed one does not repeat the user's message");
            }
            if ((kind & TOOL_LOOP) != 0 && a.getOrder() <= TurnAdvisor.ORDER) {
                throw new IllegalStateException("the ChatClient's tool calling advisor (" + a.getName() + ", order "
                        + a.getOrder() + ") runs outside agent-auth's advisor (order " + TurnAdvisor.ORDER + "): give"
                        + " it a larger order, such as ToolCallingAdvisor.DEFAULT_ORDER");
            }
            toolLoopInside |= (kind & TOOL_LOOP) != 0;
        }
        if (!toolLoopInside) {
            // The chain this advisor gets holds only what runs inside it: a tool loop ordered before it is not there,
            // and would run the tools without the turn (nobody to act for).
            throw new IllegalStateException("the ChatClient's tool calling advisor does not run inside agent-auth's"
                    + " advisor (order " + TurnAdvisor.ORDER + "): give it a larger order, such as"
                    + " ToolCallingAdvisor.DEFAULT_ORDER, and leave Spring AI's tool calling advisor registered");
        }
    }

    private static final int MEMORY = 1;
    private static final int TOOL_LOOP = 2;

    /** Advisor classes already seen and what they are: parallel arrays, replaced whole. */
    private record Kinds(Class<?>[] types, int[] kinds) {
    }

    /**
     * What the advisor classes of this agent's chains are, read once per class (Spring AI builds some of a chain's
     * advisors anew per call, so classes, not instances): an {@code instanceof} against two interfaces in turn, per
     * advisor per call, would keep replacing the JVM's one-entry cache of each class's last matched interface. At most
     * 16 classes are kept; others are read each time.
     */
    private volatile Kinds kinds = new Kinds(new Class<?>[0], new int[0]);

    private int kindOf(Class<?> type) {
        Kinds known = kinds;
        Class<?>[] types = known.types();
        for (int i = 0; i < types.length; i++) {
            if (types[i] == type) {
                return known.kinds()[i];
            }
        }
        int kind = (MemoryAdvisor.class.isAssignableFrom(type) ? MEMORY : 0)
                | (ToolAdvisor.class.isAssignableFrom(type) ? TOOL_LOOP : 0);
        if (types.length < 16) {
            Class<?>[] moreTypes = Arrays.copyOf(types, types.length + 1);
            int[] moreKinds = Arrays.copyOf(known.kinds(), types.length + 1);
            moreTypes[types.length] = type;
            moreKinds[types.length] = kind;
            kinds = new Kinds(moreTypes, moreKinds); // a lost race only means a class is read again
        }
        return kind;
    }

    private static final Runnable NOTHING = () -> { };

    /** Begins a turn: its principal, state, tools and (for a resumed call) messages. */
    Begun begin(ChatClientRequest request) {
        Map<String, Object> context = request.context();
        ChatOptions options = request.prompt().getOptions();
        ToolCallingChatOptions toolOptions = options instanceof ToolCallingChatOptions t ? t : null;
        Map<String, Object> toolContext = toolOptions != null && toolOptions.getToolContext() != null
                ? toolOptions.getToolContext() : Map.of();
        Principal principal = principal(context, toolContext);
        Object conversation = context.get(ChatMemory.CONVERSATION_ID);
        String conversationId = conversation == null ? null : conversation.toString();
        SpringAiFramework.Resume resume = context.get(SpringAiFramework.Resume.KEY) instanceof
                SpringAiFramework.Resume r ? r : null;
        List<Message> messages = resume != null ? resume.send() : request.prompt().getInstructions();
        TurnState state = new TurnState(principal, conversationId,
                resume != null ? resume.prompt() : request.prompt().getInstructions(),
                context, toolContext, options, resume != null ? resume.injected() : List.of(), core.newTurnScope());
        ChatOptions sent = options;
        if (toolOptions != null) {
            List<ToolCallback> given = toolOptions.getToolCallbacks();
            List<ToolCallback> tools = toolsFor(principal, given);
            // mutate() carries the options' tool context over: the state is added to it, the rest stays.
            ToolCallingChatOptions.Builder<?> b = toolOptions.mutate().toolContext(TurnState.KEY, state);
            sent = (tools != given ? b.toolCallbacks(tools) : b).build();
        }
        // The request as it came, with the turn's messages and options (the state in their tool context, not in the
        // advisor context, which Spring AI copies several times a round). Made with its constructor, which keeps the
        // context as it is: mutate() would copy every message twice and the builder the context once more; the
        // request passed in goes no further than here.
        ChatClientRequest begun = new ChatClientRequest(new Prompt(messages, sent), context);
        ResumableMemory.Mark mark = resume != null && conversationId != null && memory != null
                ? memory.mark(conversationId) : null;
        // The core keeps nothing of the turn by id (its journal is the state's scope): only a resume's mark to drop.
        return new Begun(begun, state, mark == null ? NOTHING : () -> memory.unmark(conversationId, mark));
    }

    /** A consent interrupt left the call: settled, with the turn's exchange at hand for memory. */
    ConsentInterruptException settle(TurnState state, ConsentInterruptException e) {
        return framework.settling(state, () -> core.settle(e));
    }

    /** A failure left the call: the turn's tool calls answered in memory as not run, without the failure's text. */
    void settleFailure(TurnState state, AgentAuthException e) {
        if (e instanceof MissingPrincipalException || AgentCore.operatorFailure(e) == e) {
            framework.answerUnanswered(state.conversationId, e instanceof MissingPrincipalException
                    ? "Not run: this call had no signed-in user." : SpringAiFramework.NOT_RUN);
        }
    }

    /** Who a call acts for: its {@code agentauth.user} advisor parameter (or tool context entry); else nobody. */
    private Principal principal(Map<String, Object> context, Map<String, Object> toolContext) {
        String user = text(context.get(AuthenticatedChatClient.USER));
        if (user == null) {
            user = text(toolContext.get(AuthenticatedChatClient.USER));
        }
        if (user == null) {
            return null;
        }
        String agent = text(context.get(AuthenticatedChatClient.AGENT));
        if (agent == null) {
            agent = text(toolContext.get(AuthenticatedChatClient.AGENT));
        }
        return Principal.of(user, agent != null ? agent : defaultAgent);
    }

    private static String text(Object value) {
        return value instanceof String s && !s.isBlank() ? s : null;
    }

    /**
     * The call's tools: the agent's own, the application's others (run through the core too, so that an interrupt
     * keeps what they answered), then what each tool source offers the user now.
     */
    private List<ToolCallback> toolsFor(Principal principal, List<ToolCallback> given) {
        if ((principal == null || core.sources().isEmpty()) && allAgents(given)) {
            return given; // nothing to add or wrap: the call's own list, not a copy
        }
        List<ToolCallback> out = new ArrayList<>();
        Set<String> taken = new LinkedHashSet<>();
        if (given != null) {
            for (ToolCallback c : given) {
                out.add(c instanceof AgentToolCallback ? c : journaled(c));
                taken.add(c.getToolDefinition().name());
            }
        }
        if (principal != null) {
            for (ToolSource source : core.sources()) {
                for (ToolDescriptor d : source.tools(principal)) {
                    if (!names.contains(d.name()) && taken.add(d.name())) {
                        out.add(sourceCallbacks.computeIfAbsent(d, x -> new AgentToolCallback(definition(x),
                                ToolMetadata.builder().build(), core, source)));
                    }
                }
            }
        }
        return out;
    }

    private static boolean allAgents(List<ToolCallback> given) {
        if (given == null) {
            return false;
        }
        for (int i = 0, n = given.size(); i < n; i++) {
            if (!(given.get(i) instanceof AgentToolCallback)) {
                return false;
            }
        }
        return true;
    }

    /** A tool the application gave the call itself: run by Spring AI's callback, journaled by the core. */
    private ToolCallback journaled(ToolCallback delegate) {
        ToolDefinition d = delegate.getToolDefinition();
        ToolBinding binding = ToolBinding.plain(d.name(), d.description(), (call, credential, turn) -> {
            String result = delegate.call(call.arguments().isBlank() ? "{}" : call.arguments(),
                    new ToolContext(SpringAiTools.context(turn, null)));
            return ToolResult.of(result == null ? "" : result);
        });
        return new AgentToolCallback(d, delegate.getToolMetadata(), core, binding);
    }

    private static ToolDefinition definition(ToolDescriptor d) {
        return ToolDefinition.builder().name(d.name()).description(d.description() == null ? "" : d.description())
                .inputSchema(d.inputSchema() == null || d.inputSchema().isBlank() ? EMPTY_SCHEMA : d.inputSchema())
                .build();
    }
}
