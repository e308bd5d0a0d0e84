package dev.agentauth.springai;

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
import dev.agentauth.springai.internal.AgentToolFailures;
import dev.agentauth.springai.internal.SpringAiAgent;
import io.micrometer.observation.ObservationRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.execution.DefaultToolExecutionExceptionProcessor;
import org.springframework.ai.tool.execution.ToolExecutionExceptionProcessor;

/**
 * Spring AI tools with per-user credentials, and the consent interrupt around them: a Spring AI {@link ChatClient}
 * whose {@code @Tool} methods annotated {@link dev.agentauth.agent.AuthenticatedTool} get the token of the call's user,
 * and whose calls end with a {@link ConsentInterruptException} when that user must authorize first.
 *
 * <pre>{@code
 * AuthenticatedChatClient agent = AuthenticatedChatClient.builder()
 *     .broker(broker)
 *     .chatModel(model)                                   // or .chatClientBuilder(ChatClient.builder(model)...)
 *     .tools(new GitHubTools(), new Calculator())         // @AuthenticatedTool and ordinary @Tool methods
 *     .toolSources(AuthenticatedMcpToolset.of(mcpServer)) // MCP servers (agent-auth-mcp)
 *     .chatMemory(MessageWindowChatMemory.builder().build())
 *     .build();
 *
 * try {
 *     reply(agent.chatClient().prompt().user(text)
 *             .advisors(AuthenticatedChatClient.user("alice"))              // who the call acts for
 *             .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, chatId))   // which conversation
 *             .call().content());
 * } catch (ConsentInterruptException e) {
 *     showCard(e.interrupt().toJson());   // later: reply(agent.resume(e.interrupt().id(), "alice").content());
 * }
 * }</pre>
 *
 * <p>The user of each call is its {@value #USER} advisor parameter ({@link #user(String)}), never a tool argument or
 * anything the model wrote. A tool call without one fails closed with
 * {@link dev.agentauth.agent.MissingPrincipalException} out of the {@code ChatClient} call.
 *
 * <p><b>Failures.</b> What the operator must fix — configuration, client credentials the provider refuses, a call
 * without a user — leaves the {@code ChatClient} call as its {@link dev.agentauth.core.AgentAuthException} with a WARN,
 * never as text to the model; a missing consent is the interrupt (or per {@link ConsentMode}); what is transient or the
 * user's is told to the model. See {@code README.md}, "Thrown or told".
 *
 * <p><b>Thread-safety.</b> One instance serves every user and conversation concurrently; tool calls of different
 * users never share a credential, because the principal comes from each call. One conversation takes one call at a
 * time, as with Spring AI's chat memory.
 *
 * <p><b>Blocking.</b> {@code call()} blocks on the model and the tools, as in Spring AI; tools block on the token
 * broker (no I/O for a cached token), and in {@link ConsentMode#BLOCKING} on the user, up to the configured timeout;
 * on {@code stream()} they run on Reactor's bounded-elastic threads, as Spring AI runs tools. {@link #resume} blocks
 * while it runs the waiting tool calls; the continued answer comes when the returned spec's terminal method is called.
 *
 * @since 0.3.0
 */
public final class AuthenticatedChatClient {

    /** The advisor parameter (or tool context entry) naming the user a {@code ChatClient} call acts for. */
    public static final String USER = "agentauth.user";
    /** The advisor parameter naming the agent (optional; the builder's {@link Builder#agentId} otherwise). */
    public static final String AGENT = "agentauth.agent";

    private final SpringAiAgent agent;

    /** The agent core behind this client (for tests in this package). */
    AgentCore core() {
        return agent.core();
    }

    private AuthenticatedChatClient(SpringAiAgent agent) {
        this.agent = agent;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The advisor parameters of a call acting for {@code user}: {@code .advisors(AuthenticatedChatClient.user(u))}. */
    public static Consumer<ChatClient.AdvisorSpec> user(String user) {
        Objects.requireNonNull(user, "user");
        return a -> a.param(USER, user);
    }

    /** The advisor parameters of a call acting for {@code user} through agent {@code agent}. */
    public static Consumer<ChatClient.AdvisorSpec> user(String user, String agent) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(agent, "agent");
        return a -> a.param(USER, user).param(AGENT, agent);
    }

    /**
     * {@code delegate}, except that a consent interrupt, a missing user or a failure the operator must fix found in a
     * tool failure's causes leaves the {@code ChatClient} call as itself instead of being told to the model: for the
     * {@code ToolCallingManager} of a {@code ChatClient} the application builds itself (the Spring Boot
     * auto-configuration wraps Spring AI's processor bean with it). The agent's own tool callbacks throw these unwrapped,
     * which Spring AI's tool loop never hands to a processor; this catches them where something between wrapped them.
     * Thread-safe as {@code delegate} is.
     */
    public static ToolExecutionExceptionProcessor toolExecutionExceptionProcessor(
            ToolExecutionExceptionProcessor delegate) {
        return delegate instanceof AgentToolFailures ? delegate
                : new AgentToolFailures(Objects.requireNonNull(delegate, "delegate"));
    }

    /**
     * The {@code ChatClient}: the application's (its default system text, options, advisors) with the agent's tools,
     * its advisors and, when given, the chat memory advisor over the builder's {@link ChatMemory}. Give every call its
     * user ({@link #user(String)}) and, with chat memory, its {@code ChatMemory.CONVERSATION_ID}. Tools given to a
     * single call ({@code .tools(...)}) run too, but a waiting call of one cannot run on resume (the model is told).
     */
    public ChatClient chatClient() {
        return agent.chatClient();
    }

    /**
     * Resumes an interrupted turn once the user has answered every consent, on this replica or any other sharing the
     * interrupt store: runs each waiting tool call exactly once (with the new token, or reporting a declined or
     * expired consent to the model), puts the results in chat memory, and returns the interrupted {@code ChatClient}
     * call, made again <em>through the same {@code ChatClient}</em> — its advisors, chat memory and tools — with what
     * it began with (its messages, advisor parameters, tool context and options). Call the terminal method you want:
     * {@code content()}, {@code entity(Notes.class)}, {@code chatResponse()}. The user's message is not added again:
     * the model sees the conversation with the tool results, as if the turn had not paused.
     *
     * <pre>{@code
     * String answer = agent.resume(interruptId, "alice").content();
     * }</pre>
     *
     * <p>Blocks while the waiting tool calls run; the model runs when the terminal method is called (each call of one
     * continues the turn again, as with any {@code ChatClient} spec). Of concurrent resumes of one interrupt, on any
     * number of replicas, exactly one proceeds; the others get {@link ResumeRejectedException.Reason#IN_PROGRESS}
     * while it runs and {@link ResumeRejectedException.Reason#UNKNOWN} after.
     *
     * @param interruptId {@link ConsentInterrupt#id()}
     * @param user        the signed-in user asking to resume; must be the interrupt's user
     * @throws ResumeRejectedException    unknown or already resumed, another user's, a consent still pending, running
     *                                    elsewhere, or raised by another framework's agent
     * @throws ConsentInterruptException a waiting call needs yet another consent (a step-up); the continued call's
     *                                    terminal method throws it when the rest of the turn needs one
     */
    public ChatClient.CallResponseSpec resume(String interruptId, String user) {
        return agent.resume(interruptId, user).call();
    }

    /**
     * {@link #resume} with the continued answer streamed: a {@code Flux} from {@code content()} or
     * {@code chatResponse()}; one more consent needed by the rest of the turn ends the stream with the
     * {@link ConsentInterruptException} (settled and stored) in {@code onError}.
     */
    public ChatClient.StreamResponseSpec resumeStream(String interruptId, String user) {
        return agent.resume(interruptId, user).stream();
    }

    /**
     * The user said "not now" on the consent card: every consent of the interrupt that is still pending is declined
     * ({@link TokenBroker#declineConsent}), and the turn goes on as {@link #resume} does — the waiting tool calls
     * report to the model that the user declined (calls whose consent was already given run).
     *
     * @throws ResumeRejectedException unknown or already resumed, or another user's
     */
    public ChatClient.CallResponseSpec decline(String interruptId, String user) {
        return agent.decline(interruptId, user).call();
    }

    /** {@link #decline} with the continued answer streamed. */
    public ChatClient.StreamResponseSpec declineStream(String interruptId, String user) {
        return agent.decline(interruptId, user).stream();
    }

    /**
     * {@code user}'s open interrupts, oldest first, from the interrupt store (raised on any replica): a chat UI shows
     * their cards again after a page reload. Blocks on the store.
     */
    public List<ConsentInterrupt> pendingInterrupts(String user) {
        return agent.pending(Objects.requireNonNull(user, "user"));
    }

    /** The open interrupt with this id, e.g. to show its card again after a page reload. Blocks on the store. */
    public Optional<ConsentInterrupt> interrupt(String interruptId) {
        return agent.interrupt(interruptId);
    }

    /**
     * The annotated tools as the model sees them: credential parameters removed from their input schemas. Tool
     * sources add theirs per call.
     */
    public List<ToolCallback> toolCallbacks() {
        return agent.toolCallbacks();
    }

    /** Builds an {@link AuthenticatedChatClient}. Not thread-safe. */
    public static final class Builder {
        private TokenBroker broker;
        private ChatModel chatModel;
        private ChatClient.Builder chatClientBuilder;
        private ChatMemory chatMemory;
        private ToolExecutionExceptionProcessor toolFailures;
        private ObservationRegistry observations = ObservationRegistry.NOOP;
        private final List<Object> tools = new ArrayList<>();
        private final List<ToolSource> sources = new ArrayList<>();
        private String defaultAgent = Principal.DEFAULT_AGENT;
        private final AgentCore.Builder core = AgentCore.builder();
        private InterruptStore interruptStore;

        private Builder() {
        }

        /** The token broker that holds providers and grants. Required. */
        public Builder broker(TokenBroker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
            core.broker(broker);
            return this;
        }

        /**
         * The model, for a {@code ChatClient} the agent builds ({@code ChatClient.builder(model)}). This or
         * {@link #chatClientBuilder} is required.
         */
        public Builder chatModel(ChatModel chatModel) {
            this.chatModel = Objects.requireNonNull(chatModel, "chatModel");
            return this;
        }

        /**
         * The application's {@code ChatClient} builder (default system text, options, advisors, observations): the
         * agent builds its {@code ChatClient} from a clone of it. It must not hold a chat memory advisor — give the
         * memory to {@link #chatMemory} — and its tool calling advisor, if it has one, must keep Spring AI's order or a
         * larger one.
         */
        public Builder chatClientBuilder(ChatClient.Builder builder) {
            this.chatClientBuilder = Objects.requireNonNull(builder, "builder");
            return this;
        }

        /**
         * Chat memory: the agent adds Spring AI's {@code MessageChatMemoryAdvisor} over it. An interrupted turn leaves
         * it valid (its tool calls answered, placeholders for those that wait) and a resume continues the conversation
         * in it, so replicas must share it (a {@code ChatMemoryRepository} on a database). Calls then name their
         * conversation with the {@code ChatMemory.CONVERSATION_ID} advisor parameter. Default: none.
         */
        public Builder chatMemory(ChatMemory memory) {
            this.chatMemory = Objects.requireNonNull(memory, "memory");
            return this;
        }

        /** Objects with Spring AI {@code @Tool} methods: {@code @AuthenticatedTool} ones and ordinary ones alike. */
        public Builder tools(Object... tools) {
            for (Object t : tools) {
                this.tools.add(Objects.requireNonNull(t, "tool"));
            }
            return this;
        }

        /**
         * Tool sources, such as MCP servers wrapped in {@code AuthenticatedMcpToolset}: each call gets the tools a
         * source offers its user, as Spring AI tool callbacks that behave like {@code @AuthenticatedTool} methods (same
         * consent interrupt, resume and modes).
         */
        public Builder toolSources(ToolSource... sources) {
            for (ToolSource s : sources) {
                this.sources.add(Objects.requireNonNull(s, "source"));
            }
            return this;
        }

        /** The agent id of calls that name none ({@link #AGENT}). Default {@code default}. */
        public Builder agentId(String agent) {
            this.defaultAgent = Objects.requireNonNull(agent, "agent");
            return this;
        }

        /** What happens when a user has not authorized yet. Default {@link ConsentMode#INTERRUPT}. */
        public Builder consentMode(ConsentMode mode) {
            core.mode(mode);
            return this;
        }

        /** How long a {@link ConsentMode#BLOCKING} tool call waits for the user. Default 5 minutes. */
        public Builder blockingTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("blockingTimeout must be positive");
            }
            core.blockingTimeout(timeout);
            return this;
        }

        /** Told of each consent a {@link ConsentMode#BLOCKING} tool call waits for: print it, push it to the UI. */
        public Builder consentListener(ConsentListener listener) {
            core.consentListener(listener);
            return this;
        }

        /** The clock deciding consent expiry on resume, and leases; share the broker's. Default system UTC. */
        public Builder clock(Clock clock) {
            core.clock(clock);
            return this;
        }

        /** How long an expired, unresumed interrupt is kept before it is discarded. Default 1 hour. */
        public Builder interruptRetention(Duration retention) {
            core.interruptRetention(retention);
            return this;
        }

        /** How an API's 401 and 403 answers to a tool are handled. Default {@link Reauthorization#defaults()}. */
        public Builder reauthorization(Reauthorization policy) {
            core.reauthorization(policy);
            return this;
        }

        /** See {@link ResumeRecovery}. Default {@link ResumeRecovery#AT_MOST_ONCE}. */
        public Builder resumeRecovery(ResumeRecovery recovery) {
            core.resumeRecovery(recovery);
            return this;
        }

        /** How long a resume holds its interrupt without renewing its lease. Default 30 s; at least 300 ms. */
        public Builder resumeLease(Duration lease) {
            core.resumeLease(lease);
            return this;
        }

        /** The source of interrupt ids. Default a new {@link SecureRandom}. */
        public Builder secureRandom(SecureRandom random) {
            core.secureRandom(random);
            return this;
        }

        /**
         * Where interrupts live. Default: {@link TokenBroker#interruptStore()} — the broker's token store when it is
         * the embedded or PostgreSQL store (durable, encrypted, shared by replicas on one database), else memory.
         */
        public Builder interruptStore(InterruptStore store) {
            this.interruptStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * With {@link #chatModel}: what the tool loop does with a failure of a tool that is not agent-auth's to decide.
         * Default Spring AI's {@code DefaultToolExecutionExceptionProcessor} (the model is told its message). A consent
         * interrupt and a failure the operator must fix leave the call whatever this does.
         */
        public Builder toolExecutionExceptionProcessor(ToolExecutionExceptionProcessor processor) {
            this.toolFailures = Objects.requireNonNull(processor, "processor");
            return this;
        }

        /** With {@link #chatModel}: the registry for Spring AI's observations of the calls. Default none. */
        public Builder observationRegistry(ObservationRegistry registry) {
            this.observations = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Checks the settings, reads every tool's definition and builds the agent and its {@code ChatClient}.
         *
         * @throws IllegalArgumentException a tool is malformed (an authenticated tool without a credential
         *                                  parameter, a {@code ToolCredential} parameter) or two tools share a name
         * @throws dev.agentauth.core.ConfigurationException a tool names a provider the broker does not know, or needs
         *                                  the user's consent through a browser redirect while the broker has no
         *                                  redirect URI (nor loopback callback) and the provider does not use the
         *                                  device authorization grant
         */
        public AuthenticatedChatClient build() {
            Objects.requireNonNull(broker, "broker is required");
            if ((chatModel == null) == (chatClientBuilder == null)) {
                throw new IllegalArgumentException("exactly one of chatModel and chatClientBuilder is required");
            }
            if (tools.isEmpty() && sources.isEmpty()) {
                throw new IllegalArgumentException("at least one tool object or tool source is required");
            }
            if (chatModel == null && toolFailures != null) {
                throw new IllegalArgumentException("toolExecutionExceptionProcessor goes with chatModel; with"
                        + " chatClientBuilder, configure it on that builder's ToolCallingManager");
            }
            ChatClient.Builder client = chatClientBuilder;
            if (client == null) {
                ToolExecutionExceptionProcessor failures = AuthenticatedChatClient.toolExecutionExceptionProcessor(
                        toolFailures != null ? toolFailures : DefaultToolExecutionExceptionProcessor.builder().build());
                ToolCallingManager manager = ToolCallingManager.builder().observationRegistry(observations)
                        .toolExecutionExceptionProcessor(failures).build();
                client = ChatClient.builder(chatModel, observations, null, null,
                        ToolCallingAdvisor.builder().toolCallingManager(SpringAiAgent.recordingRounds(manager)));
            }
            core.interruptStore(interruptStore != null ? interruptStore : broker.interruptStore());
            return new AuthenticatedChatClient(new SpringAiAgent(List.copyOf(tools), List.copyOf(sources), chatMemory,
                    defaultAgent, client, chatClientBuilder == null, core));
        }
    }
}
