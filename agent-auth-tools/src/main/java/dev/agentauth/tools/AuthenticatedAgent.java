package dev.agentauth.tools;

import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.TokenBroker;
import java.security.SecureRandom;
import dev.agentauth.tools.internal.AgentRuntime;
import dev.agentauth.tools.internal.ToolBinding;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
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
 * <p><b>Thread-safety.</b> One agent serves every user and conversation concurrently; tool calls of different users
 * never share a credential, because the principal comes from each invocation.
 *
 * <p><b>Blocking.</b> AI-service calls block on the model and on the tools, as in LangChain4j; tools block on the
 * token broker (no I/O for a cached token). In {@link ConsentMode#BLOCKING} a tool call also waits for the user, up to
 * the configured timeout. {@link #resume} blocks while it runs the waiting tool calls and the model.
 */
public final class AuthenticatedAgent {

    private final AgentRuntime runtime;
    private final ChatModel chatModel;
    private final ChatMemoryProvider memory;
    private final Executor toolExecutor;
    private final boolean concurrentTools;

    private AuthenticatedAgent(Builder b, AgentRuntime runtime, ChatMemoryProvider memory) {
        this.runtime = runtime;
        this.chatModel = b.chatModel;
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
        AiServices<T> services = AiServices.builder(type)
                .chatModel(chatModel)
                .chatMemoryProvider(memory)
                .toolProvider(runtime.toolProvider())
                .toolExecutionErrorHandler(runtime.errorHandler());
        if (concurrentTools) {
            if (toolExecutor != null) {
                services.executeToolsConcurrently(toolExecutor);
            } else {
                services.executeToolsConcurrently();
            }
        }
        customizer.accept(services);
        T delegate = services.build();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "toString" -> "AuthenticatedAgent AI service " + type.getSimpleName();
                    default -> method.invoke(delegate, args);
                };
            }
            try {
                // The AI-service interface may be package-private in the caller's package.
                method.trySetAccessible();
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof ConsentInterruptException interrupt) {
                    throw runtime.settle(interrupt);
                }
                if (e.getCause() instanceof MissingPrincipalException missing) {
                    runtime.settleMissingPrincipal(missing);
                }
                throw e.getCause();
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /**
     * Resumes an interrupted turn once the user has answered every consent: runs each waiting tool call exactly once
     * (with the new token, or reporting a declined or expired consent to the model), puts the results in chat memory
     * and returns the model's continued answer.
     *
     * @param interruptId {@link ConsentInterrupt#id()}
     * @param user        the signed-in user asking to resume; must be the interrupt's user
     * @throws ResumeRejectedException    unknown or already resumed, another user's, or a consent still pending
     * @throws ConsentInterruptException the continued turn needs yet another consent
     */
    public String resume(String interruptId, String user) {
        return runtime.resume(interruptId, user);
    }

    /**
     * The user said "not now" on the consent card: every consent of the interrupt that is still pending is declined
     * ({@link dev.agentauth.core.TokenBroker#declineConsent}), and the turn goes on as {@link #resume} does — the
     * waiting tool calls report to the model that the user declined (calls whose consent was already given run), and
     * the model's continued answer comes back.
     *
     * @throws ResumeRejectedException unknown or already resumed, or another user's
     * @since 0.2.0
     */
    public String decline(String interruptId, String user) {
        return runtime.decline(interruptId, user);
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
        private Reauthorization reauthorization;
        private SecureRandom random;

        private Builder() {
        }

        /** The token broker that holds providers and grants. Required. */
        public Builder broker(TokenBroker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
            return this;
        }

        /** The model. Required. */
        public Builder chatModel(ChatModel chatModel) {
            this.chatModel = Objects.requireNonNull(chatModel, "chatModel");
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

        /** Tool objects: {@link AuthenticatedTool} methods and ordinary {@code @Tool} methods alike. */
        public Builder tools(Object... tools) {
            for (Object t : tools) {
                this.tools.add(Objects.requireNonNull(t, "tool"));
            }
            return this;
        }

        /**
         * Tool sources, such as MCP servers wrapped in {@code AuthenticatedMcpToolset}: their tools behave like
         * {@link AuthenticatedTool} methods (same consent interrupt, resume and modes).
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
         */
        public AuthenticatedAgent build() {
            Objects.requireNonNull(broker, "broker is required");
            Objects.requireNonNull(chatModel, "chatModel is required");
            if (tools.isEmpty() && sources.isEmpty()) {
                throw new IllegalArgumentException("at least one tool object or tool source is required");
            }
            ChatMemoryProvider mem = memory;
            if (mem == null) {
                ConcurrentHashMap<Object, ChatMemory> memories = new ConcurrentHashMap<>();
                mem = id -> memories.computeIfAbsent(id, k -> MessageWindowChatMemory.builder().id(k)
                        .maxMessages(100).build());
            }
            List<ToolBinding> bindings = new ArrayList<>();
            for (Object t : tools) {
                bindings.addAll(ToolBinding.of(t));
            }
            for (ToolBinding b : bindings) {
                b.checkProvider(broker);
            }
            AgentRuntime runtime = new AgentRuntime(new AgentRuntime.Settings(broker, chatModel, mem,
                    principals != null ? principals : PrincipalResolver.invocationParameters(defaultAgent), mode,
                    blockingTimeout, consentListener, clock, interruptRetention, List.copyOf(sources),
                    reauthorization != null ? reauthorization : Reauthorization.defaults(),
                    random != null ? random : new SecureRandom()), bindings);
            return new AuthenticatedAgent(this, runtime, mem);
        }
    }
}
