package dev.agentauth.langchain4j;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRecovery;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.agent.spi.AgentCore;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.langchain4j.internal.LangChain4jAgent;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.service.AiServices;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * LangChain4j tools with per-user credentials, and the consent interrupt around them.
 *
 * <pre>{@code
 * AuthenticatedAgent agent = AuthenticatedAgent.builder()
 *     .broker(broker)
 *     .chatModel(model)
 *     .tools(new GitHubTools(), new Calculator())      // @AuthenticatedTool and ordinary @Tool objects
 *     .toolSources(AuthenticatedMcpToolset.of(mcpServer))   // MCP servers (agent-auth-mcp)
 *     .build();
 * Assistant assistant = agent.aiService(Assistant.class);
 *
 * try {
 *     reply(assistant.chat(conversationId, text, InvocationParameters.from(PrincipalResolver.USER, "alice")));
 * } catch (ConsentInterruptException e) {
 *     showCard(e.interrupt().toJson());              // later: reply(agent.resume(e.interrupt().id(), "alice"));
 * }
 * }</pre>
 *
 * <p><b>Failures.</b> What the operator must fix — configuration, client credentials the provider refuses, a call
 * without a user — leaves the AI-service call as its {@link dev.agentauth.core.AgentAuthException} with a WARN, never
 * as text to the model; a missing consent is the interrupt (or per {@link ConsentMode}); what is transient or the
 * user's is told to the model. See {@code README.md}, "Thrown or told".
 *
 * <p><b>Thread-safety.</b> One agent serves every user and conversation concurrently; tool calls of different users
 * never share a credential, because the principal comes from each invocation.
 *
 * <p><b>Blocking.</b> AI-service calls block on the model and on the tools, as in LangChain4j; tools block on the
 * token broker (no I/O for a cached token). In {@link ConsentMode#BLOCKING} a tool call also waits for the user, up to
 * the configured timeout. {@link #resume} blocks while it runs the waiting tool calls and the model.
 */
public final class AuthenticatedAgent {

    private final LangChain4jAgent runtime;
    private final ChatModel chatModel;
    private final StreamingChatModel streamingChatModel;
    private final ChatMemoryProvider memory;
    private final Executor toolExecutor;
    private final boolean concurrentTools;

    private AuthenticatedAgent(Builder b, LangChain4jAgent runtime, ChatMemoryProvider memory) {
        this.runtime = runtime;
        this.chatModel = b.chatModel;
        this.streamingChatModel = b.streamingChatModel;
        this.memory = memory;
        this.toolExecutor = b.toolExecutor;
        this.concurrentTools = b.concurrentTools;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** An AI service of {@code type} with this agent's model, memory and tools. */
    public <T> T aiService(Class<T> type) {
        return aiService(type, b -> { });
    }

    /**
     * An AI service of {@code type}; {@code customizer} may add system messages, guardrails, listeners and the like.
     * It must not replace the chat model, the chat memory provider, the tools or the tool execution error handler.
     * The returned proxy repairs chat memory before a {@link ConsentInterruptException} reaches the caller.
     */
    public <T> T aiService(Class<T> type, Consumer<AiServices<T>> customizer) {
        return runtime.aiService(type, customizer, chatModel, streamingChatModel, memory, concurrentTools,
                toolExecutor);
    }

    /**
     * Resumes an interrupted turn once the user has answered every consent, on this replica or any other sharing the
     * interrupt store: runs each waiting tool call exactly once (with the new token, or reporting a declined or
     * expired consent to the model), puts the results in chat memory, and continues the turn <em>through the AI
     * service that was interrupted</em> — the same method, called again with its original arguments, so its input and
     * output guardrails, listeners, retrieval and output parsing apply — and returns what that method returns: a
     * {@code String}, a POJO, a {@code Result<T>}, or a {@code TokenStream} to start (which streams the continued
     * answer). The user's message is not added again: the model sees the conversation with the tool results, as if
     * the turn had not paused.
     *
     * <pre>{@code
     * Reply reply = agent.resume(interruptId, "alice");          // the interrupted method returned Reply
     * TokenStream stream = agent.resume(interruptId, "alice");   // ... or a TokenStream
     * }</pre>
     *
     * <p>Blocks while the waiting tool calls and (except for a {@code TokenStream}) the model run. Of concurrent
     * resumes of one interrupt, on any number of replicas, exactly one proceeds; the others get
     * {@link ResumeRejectedException.Reason#UNKNOWN}.
     *
     * @param interruptId {@link ConsentInterrupt#id()}
     * @param user        the signed-in user asking to resume; must be the interrupt's user
     * @param <R>         the interrupted AI-service method's return type (the caller's assignment decides; a wrong
     *                    one fails with {@link ClassCastException} at the call site)
     * @throws ResumeRejectedException    unknown or already resumed, another user's, a consent still pending, or the
     *                                    interrupted AI service not built on this agent yet
     * @throws ConsentInterruptException the continued turn needs yet another consent
     */
    /** The agent core behind this agent (for tests in this package). */
    AgentCore core() {
        return runtime.core();
    }

    @SuppressWarnings("unchecked")
    public <R> R resume(String interruptId, String user) {
        return (R) runtime.resume(interruptId, user);
    }

    /**
     * {@link #resume(String, String)} with the expected return type named: for a call site where the type cannot be
     * inferred (an argument of an overloaded method such as {@code println}), or to fail with a clear message when
     * the interrupted method returns something else. For a generic type name its raw class
     * ({@code Result.class}).
     *
     * @throws ClassCastException the interrupted method returned something that is not a {@code returnType}
     * @since 0.2.0
     */
    @SuppressWarnings("unchecked")
    public <R> R resume(String interruptId, String user, Class<? super R> returnType) {
        Object result = runtime.resume(interruptId, user);
        if (result != null && !returnType.isInstance(result)) {
            throw new ClassCastException("interrupt " + interruptId + " continued a method returning "
                    + result.getClass().getName() + ", not " + returnType.getName());
        }
        return (R) result;
    }

    /**
     * The user said "not now" on the consent card: every consent of the interrupt that is still pending is declined
     * ({@link dev.agentauth.core.TokenBroker#declineConsent}), and the turn goes on as {@link #resume} does — the
     * waiting tool calls report to the model that the user declined (calls whose consent was already given run), and
     * what the interrupted AI-service method returns comes back.
     *
     * @throws ResumeRejectedException unknown or already resumed, or another user's
     * @since 0.2.0
     */
    @SuppressWarnings("unchecked")
    public <R> R decline(String interruptId, String user) {
        return (R) runtime.decline(interruptId, user);
    }

    /**
     * {@code user}'s open interrupts, oldest first, from the interrupt store (raised on any replica): a chat UI shows
     * their cards again after a page reload. Blocks on the store.
     *
     * @since 0.2.0
     */
    public List<ConsentInterrupt> pendingInterrupts(String user) {
        return runtime.pending(Objects.requireNonNull(user, "user"));
    }

    /** The open interrupt with this id, e.g. to show its card again after a page reload. */
    public Optional<ConsentInterrupt> interrupt(String interruptId) {
        return runtime.interrupt(interruptId);
    }

    /**
     * The specifications of the annotated tools the model sees: credential parameters removed. Tool sources add
     * theirs per invocation.
     */
    public List<ToolSpecification> toolSpecifications() {
        return runtime.specifications();
    }

    /** The chat memory of a conversation. */
    public ChatMemory chatMemory(Object memoryId) {
        return memory.get(memoryId);
    }

    /** Builds an {@link AuthenticatedAgent}. Not thread-safe. */
    public static final class Builder {
        private TokenBroker broker;
        private ChatModel chatModel;
        private StreamingChatModel streamingChatModel;
        private InterruptStore interruptStore;
        private ChatMemoryProvider memory;
        private final List<Object> tools = new ArrayList<>();
        private final List<ToolSource> sources = new ArrayList<>();
        private PrincipalResolver principals;
        private String defaultAgent = Principal.DEFAULT_AGENT;
        private ConsentMode mode = ConsentMode.INTERRUPT;
        private Duration blockingTimeout = Duration.ofMinutes(5);
        private ConsentListener consentListener;
        private Clock clock = Clock.systemUTC();
        private boolean concurrentTools;
        private Executor toolExecutor;
        private Duration interruptRetention = Duration.ofHours(1);
        private ResumeRecovery resumeRecovery = ResumeRecovery.AT_MOST_ONCE;
        private Duration resumeLease = Duration.ofSeconds(30);
        private Reauthorization reauthorization;
        private SecureRandom random;

        private Builder() {
        }

        /** The token broker that holds providers and grants. Required. */
        public Builder broker(TokenBroker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
            return this;
        }

        /** The model. This or {@link #streamingChatModel} (or both) is required. */
        public Builder chatModel(ChatModel chatModel) {
            this.chatModel = Objects.requireNonNull(chatModel, "chatModel");
            return this;
        }

        /**
         * The streaming model, for AI services returning {@code TokenStream}: a tool call needing consent ends the
         * stream with the {@link ConsentInterruptException} in {@code onError}, and {@link #resume} returns a
         * {@code TokenStream} of the continued answer.
         *
         * @since 0.2.0
         */
        public Builder streamingChatModel(StreamingChatModel model) {
            this.streamingChatModel = Objects.requireNonNull(model, "model");
            return this;
        }

        /**
         * Where interrupts live. Default: {@link TokenBroker#interruptStore()} — the broker's token store when it is
         * the embedded or PostgreSQL store (durable, encrypted, shared by replicas on one database), else memory.
         *
         * @since 0.2.0
         */
        public Builder interruptStore(InterruptStore store) {
            this.interruptStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Chat memory per conversation. It must return the same memory (or one backed by the same store) for the same
         * id, because resume continues the conversation in it. Default: an in-process window of 100 messages.
         */
        public Builder chatMemoryProvider(ChatMemoryProvider memory) {
            this.memory = Objects.requireNonNull(memory, "memory");
            return this;
        }

        /**
         * Tool objects: {@link dev.agentauth.agent.AuthenticatedTool} methods and ordinary {@code @Tool} methods
         * alike.
         */
        public Builder tools(Object... tools) {
            for (Object t : tools) {
                this.tools.add(Objects.requireNonNull(t, "tool"));
            }
            return this;
        }

        /**
         * Tool sources, such as MCP servers wrapped in {@code AuthenticatedMcpToolset}: their tools behave like
         * {@link dev.agentauth.agent.AuthenticatedTool} methods (same consent interrupt, resume and modes).
         */
        public Builder toolSources(ToolSource... sources) {
            for (ToolSource s : sources) {
                this.sources.add(Objects.requireNonNull(s, "source"));
            }
            return this;
        }

        /**
         * Where the principal of a tool call comes from. Default:
         * {@link PrincipalResolver#invocationParameters(String)} with the default agent.
         */
        public Builder principalResolver(PrincipalResolver principals) {
            this.principals = Objects.requireNonNull(principals, "principals");
            return this;
        }

        /** The agent id used when the invocation names none. Default {@code default}. */
        public Builder agentId(String agent) {
            this.defaultAgent = Objects.requireNonNull(agent, "agent");
            return this;
        }

        /** What happens when a user has not authorized yet. Default {@link ConsentMode#INTERRUPT}. */
        public Builder consentMode(ConsentMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** How long a {@link ConsentMode#BLOCKING} tool call waits for the user. Default 5 minutes. */
        public Builder blockingTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("blockingTimeout must be positive");
            }
            this.blockingTimeout = timeout;
            return this;
        }

        /** Told of each consent a {@link ConsentMode#BLOCKING} tool call waits for: print it, push it to the UI. */
        public Builder consentListener(ConsentListener listener) {
            this.consentListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Runs the tool calls of one model answer concurrently (LangChain4j's executeToolsConcurrently). */
        public Builder executeToolsConcurrently() {
            this.concurrentTools = true;
            return this;
        }

        /** Runs the tool calls of one model answer concurrently on {@code executor}. */
        public Builder executeToolsConcurrently(Executor executor) {
            this.concurrentTools = true;
            this.toolExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** The clock deciding consent expiry on resume; share the broker's. Default system UTC. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long an expired, unresumed interrupt is kept before it is discarded. Default 1 hour. */
        public Builder interruptRetention(Duration retention) {
            this.interruptRetention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /**
         * How an API's 401 and 403 {@code insufficient_scope} answers to a tool are handled: refreshes per call,
         * consents per tool call across turns. Default: {@link Reauthorization#defaults()}, the policy MCP servers
         * use too.
         *
         * @since 0.2.0
         */
        public Builder reauthorization(Reauthorization policy) {
            this.reauthorization = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * What a resume that takes over from a replica that died mid-resume does with the tool call that replica had
         * started and not finished. Default {@link ResumeRecovery#AT_MOST_ONCE}: it is not run again.
         *
         * @since 0.3.0
         */
        public Builder resumeRecovery(ResumeRecovery recovery) {
            this.resumeRecovery = Objects.requireNonNull(recovery, "recovery");
            return this;
        }

        /**
         * How long a resume holds its interrupt without renewing its lease (it renews every third of it while it
         * runs): after a replica dies mid-resume, another replica can take the resume over this long after the last
         * renewal. Default 30 s.
         *
         * @since 0.3.0
         */
        public Builder resumeLease(Duration lease) {
            Objects.requireNonNull(lease, "lease");
            if (lease.toMillis() < 300) {
                throw new IllegalArgumentException("resumeLease must be at least 300 ms");
            }
            this.resumeLease = lease;
            return this;
        }

        /** The source of interrupt ids. Default: a new {@link SecureRandom}. */
        public Builder secureRandom(SecureRandom random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Checks the settings, reads every tool's specification and builds the agent.
         *
         * @throws IllegalArgumentException a tool is malformed (e.g. an authenticated tool without a credential
         *                                  parameter) or two tools share a name
         * @throws dev.agentauth.core.ConfigurationException a tool names a provider the broker does not know, or needs
         *                                  the user's consent through a browser redirect while the broker has no
         *                                  redirect URI (nor loopback callback) and the provider does not use the
         *                                  device authorization grant
         */
        public AuthenticatedAgent build() {
            Objects.requireNonNull(broker, "broker is required");
            if (chatModel == null && streamingChatModel == null) {
                throw new NullPointerException("chatModel or streamingChatModel is required");
            }
            if (tools.isEmpty() && sources.isEmpty()) {
                throw new IllegalArgumentException("at least one tool object or tool source is required");
            }
            ChatMemoryProvider mem = memory;
            if (mem == null) {
                ConcurrentHashMap<Object, ChatMemory> memories = new ConcurrentHashMap<>();
                mem = id -> memories.computeIfAbsent(id, k -> MessageWindowChatMemory.builder().id(k)
                        .maxMessages(100).build());
            }
            AgentCore.Builder core = AgentCore.builder().broker(broker).mode(mode).blockingTimeout(blockingTimeout)
                    .clock(clock).interruptRetention(interruptRetention).resumeRecovery(resumeRecovery)
                    .resumeLease(resumeLease)
                    .reauthorization(reauthorization != null ? reauthorization : Reauthorization.defaults())
                    .secureRandom(random != null ? random : new SecureRandom())
                    .interruptStore(interruptStore != null ? interruptStore : broker.interruptStore());
            if (consentListener != null) {
                core.consentListener(consentListener);
            }
            LangChain4jAgent runtime = new LangChain4jAgent(List.copyOf(tools), List.copyOf(sources),
                    principals != null ? principals : PrincipalResolver.invocationParameters(defaultAgent), mem,
                    core);
            return new AuthenticatedAgent(this, runtime, mem);
        }
    }
}
