package dev.agentauth.agent.spi;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRecovery;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.agent.internal.AgentRuntime;
import dev.agentauth.agent.internal.AgentSettings;
import dev.agentauth.agent.internal.ToolFailures;
import dev.agentauth.agent.internal.ToolRuns;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.InterruptStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The framework-neutral agent runtime that every framework adapter (LangChain4j, Spring AI) drives: tool calls with the
 * user's credential — principal, token, injection, the API's 401 and 403 through the one {@link Reauthorization} loop,
 * the consent modes — and consent interrupts: raised, settled into chat memory, stored for every replica, resumed
 * exactly once under a lease, declined. It knows no framework type: an adapter hands it {@link ToolBinding}s, a
 * {@link Turn} per tool call and a {@link FrameworkAdapter} for memory and continuation.
 *
 * <p>For adapter authors; applications use their framework's adapter ({@code AuthenticatedAgent} for LangChain4j,
 * {@code AuthenticatedChatClient} for Spring AI), which build one of these.
 *
 * <p><b>Thread-safety.</b> One core serves every user and conversation concurrently. <b>Blocking.</b> Tool calls block
 * on the broker and the tool (in {@link ConsentMode#BLOCKING} also on the user); settle waits for the turn's other
 * tool calls; resume blocks on the waiting tools, the store and the framework's continued call.
 *
 * @since 0.3.0
 */
public final class AgentCore {

    private final AgentRuntime runtime;
    private final ToolRuns runs;
    private final List<ToolBinding> tools;
    private final Map<String, ToolBinding> byName;
    private final List<ToolSource> sources;

    private AgentCore(AgentRuntime runtime, Map<String, ToolBinding> byName, List<ToolSource> sources) {
        this.runtime = runtime;
        this.runs = runtime.runs();
        this.byName = byName;
        this.tools = List.copyOf(byName.values());
        this.sources = sources;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs one call of {@code tool} in {@code turn}: its result for the model. In {@link ConsentMode#INTERRUPT} a
     * missing consent throws {@link ConsentInterruptException} (let it leave the framework call, then {@link #settle}
     * it); a failure the operator must fix is thrown too (see {@link #operatorFailure}); everything else is a result.
     *
     * @throws dev.agentauth.agent.MissingPrincipalException the turn names no user
     */
    public ToolResult run(ToolBinding tool, ToolCall call, Turn turn) {
        return runs.run(tool, null, call, turn);
    }

    /** As {@link #run(ToolBinding, ToolCall, Turn)}, for a tool of a {@link ToolSource}. */
    public ToolResult run(ToolSource source, ToolCall call, Turn turn) {
        return runs.run(null, source, call, turn);
    }

    /**
     * Called once a {@link ConsentInterruptException} has left the framework call: waits for the turn's other tool
     * calls, has the adapter answer every call of the turn in chat memory ({@link FrameworkAdapter#settled}), stores
     * the interrupt for every replica, and returns the exception to throw to the application, with its final content.
     */
    public ConsentInterruptException settle(ConsentInterruptException thrown) {
        return runtime.settle(thrown);
    }

    /**
     * A new {@link TurnScope}: what the core keeps of one framework call's tool calls, for the adapter to hold in that
     * call's own state and return from {@link Turn#scope()}. Make one per framework call, when it starts; a turn with
     * a scope needs no {@link #turnEnded} report. Non-blocking, thread-safe; allocates a little, reads no clock.
     *
     * @since 0.3.0
     */
    public TurnScope newTurnScope() {
        return runtime.newTurnScope();
    }

    /**
     * The framework call of turn {@code turnId} ended — returned, failed, or its stream completed — so the core can
     * drop what it kept about the turn's tool calls (an interrupt the turn raised keeps its own, until it settles).
     * Call it once per framework call that ran tools through this core without a {@link Turn#scope()} (from the
     * framework's end-of-call event, say; both built-in adapters give every turn a scope instead); a turn never
     * reported is forgotten 30 minutes after it started. A turn with a scope needs no report (this is then a no-op).
     * Non-blocking, thread-safe, idempotent.
     *
     * @since 0.3.0
     */
    public void turnEnded(String turnId) {
        runtime.turnEnded(Objects.requireNonNull(turnId, "turnId"));
    }

    /**
     * How many turns the core keeps tool-call journals for by turn id (turns with a {@link Turn#scope()} are not
     * counted: their adapter holds them): turns running now, turns interrupted and not yet settled, and turns whose end
     * an adapter did not report ({@link #turnEnded}). For monitoring: a figure that grows with the number of turns
     * served means an adapter does not report their ends. Non-blocking.
     *
     * @since 0.3.0
     */
    public int turnsKept() {
        return runtime.journals();
    }

    /** The open interrupt with this id (raised on any replica sharing the interrupt store). Blocks on the store. */
    public Optional<ConsentInterrupt> interrupt(String interruptId) {
        return runtime.interrupt(interruptId);
    }

    /** {@code user}'s open interrupts, oldest first. Blocks on the store. */
    public List<ConsentInterrupt> pending(String user) {
        return runtime.pending(Objects.requireNonNull(user, "user"));
    }

    /**
     * Resumes the interrupt for {@code user}: runs each waiting call once, has the adapter repair memory and continue
     * the turn ({@link FrameworkAdapter#continueTurn}), and returns what that returns.
     *
     * @throws dev.agentauth.agent.ResumeRejectedException unknown, another user's, a consent pending, running
     *                                                     elsewhere, or not continuable here
     * @throws ConsentInterruptException                   the continued turn needs another consent
     */
    public Object resume(String interruptId, String user) {
        return runtime.resume(interruptId, user);
    }

    /** Declines the interrupt's pending consents, then resumes it: the waiting calls report the refusal. */
    public Object decline(String interruptId, String user) {
        return runtime.decline(interruptId, user);
    }

    /** The bound tools, in the order given. */
    public List<ToolBinding> tools() {
        return tools;
    }

    /** The bound tool named {@code name}. */
    public Optional<ToolBinding> tool(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The tool sources, in the order given. */
    public List<ToolSource> sources() {
        return sources;
    }

    public TokenBroker broker() {
        return runtime.settings().broker();
    }

    public ConsentMode mode() {
        return runtime.settings().mode();
    }

    /**
     * The failure in {@code error}'s cause chain that is the operator's to fix (a configuration error, client
     * credentials the provider refuses, ...): an adapter's tool error handling throws it out of the framework call with
     * a WARN instead of telling the model; {@code null} when there is none.
     */
    public static AgentAuthException operatorFailure(Throwable error) {
        return ToolFailures.operators(error);
    }

    /** Builds an {@link AgentCore}. Each option may be set once. Not thread-safe. */
    public static final class Builder {
        private TokenBroker broker;
        private FrameworkAdapter framework;
        private final List<ToolBinding> tools = new ArrayList<>();
        private final List<ToolSource> sources = new ArrayList<>();
        private ConsentMode mode = ConsentMode.INTERRUPT;
        private Duration blockingTimeout = Duration.ofMinutes(5);
        private ConsentListener consentListener;
        private Clock clock = Clock.systemUTC();
        private Duration interruptRetention = Duration.ofHours(1);
        private Reauthorization reauthorization;
        private SecureRandom random;
        private InterruptStore interruptStore;
        private ResumeRecovery resumeRecovery = ResumeRecovery.AT_MOST_ONCE;
        private Duration resumeLease = Duration.ofSeconds(30);

        private Builder() {
        }

        /** The token broker. Required. */
        public Builder broker(TokenBroker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
            return this;
        }

        /** The adapter driving this core. Required. */
        public Builder framework(FrameworkAdapter framework) {
            this.framework = Objects.requireNonNull(framework, "framework");
            return this;
        }

        /** Tools; names must be unique. */
        public Builder tools(Collection<ToolBinding> bindings) {
            tools.addAll(bindings);
            return this;
        }

        public Builder sources(Collection<? extends ToolSource> toolSources) {
            sources.addAll(toolSources);
            return this;
        }

        /** What a tool call does without a consent. Default {@link ConsentMode#INTERRUPT}. */
        public Builder mode(ConsentMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** How long a {@link ConsentMode#BLOCKING} call waits for the user. Default 5 min. */
        public Builder blockingTimeout(Duration timeout) {
            this.blockingTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Told of each consent a blocking call waits for. */
        public Builder consentListener(ConsentListener listener) {
            this.consentListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Time for consent expiry and leases; share the broker's. Default system UTC. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long an expired, unresumed interrupt is kept. Default 1 hour. */
        public Builder interruptRetention(Duration retention) {
            this.interruptRetention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /** The 401/403 policy. Default {@link Reauthorization#defaults()}. */
        public Builder reauthorization(Reauthorization policy) {
            this.reauthorization = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The source of interrupt ids. Default a new {@link SecureRandom}. */
        public Builder secureRandom(SecureRandom random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Where interrupts live. Default {@link TokenBroker#interruptStore()}. */
        public Builder interruptStore(InterruptStore store) {
            this.interruptStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /** See {@link ResumeRecovery}. Default {@link ResumeRecovery#AT_MOST_ONCE}. */
        public Builder resumeRecovery(ResumeRecovery recovery) {
            this.resumeRecovery = Objects.requireNonNull(recovery, "recovery");
            return this;
        }

        /** How long a resume holds its interrupt without renewing its lease. Default 30 s; at least 300 ms. */
        public Builder resumeLease(Duration lease) {
            Objects.requireNonNull(lease, "lease");
            if (lease.toMillis() < 300) {
                throw new IllegalArgumentException("resumeLease must be at least 300 ms");
            }
            this.resumeLease = lease;
            return this;
        }

        /**
         * Checks the tools against the broker and builds the core.
         *
         * @throws IllegalArgumentException                    two tools share a name
         * @throws dev.agentauth.core.ConfigurationException a tool's provider is unknown, or it needs a consent the
         *                                                     broker cannot complete (see
         *                                                     {@link ToolBinding#checkProvider})
         */
        public AgentCore build() {
            Objects.requireNonNull(broker, "broker is required");
            Objects.requireNonNull(framework, "framework is required");
            Map<String, ToolBinding> byName = new LinkedHashMap<>();
            for (ToolBinding t : tools) {
                if (byName.putIfAbsent(t.name(), t) != null) {
                    throw new IllegalArgumentException("two tools are named '" + t.name() + "'");
                }
                t.checkProvider(broker);
            }
            AgentSettings settings = new AgentSettings(broker, framework, mode, blockingTimeout, consentListener, clock,
                    interruptRetention, reauthorization != null ? reauthorization : Reauthorization.defaults(),
                    random != null ? random : new SecureRandom(),
                    interruptStore != null ? interruptStore : broker.interruptStore(), resumeRecovery, resumeLease,
                    broker.telemetry());
            List<ToolSource> sourceList = List.copyOf(sources);
            return new AgentCore(new AgentRuntime(settings, byName, sourceList), byName, sourceList);
        }
    }
}
