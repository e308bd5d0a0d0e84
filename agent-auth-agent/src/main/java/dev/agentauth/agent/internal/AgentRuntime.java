package dev.agentauth.agent.internal;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.agent.spi.Turn;
import dev.agentauth.agent.spi.TurnScope;
import dev.agentauth.core.Telemetry;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The agent core's parts, wired: {@link ToolRuns} (one tool call), {@link TurnJournals}, {@link InterruptRegistry}
 * (open interrupts; its Javadoc sketches where an interrupt's state lives) and {@link Resumer}. What
 * {@link dev.agentauth.agent.spi.AgentCore} offers adapters, without knowing any framework. Thread-safe.
 */
public final class AgentRuntime {

    private final AgentSettings settings;
    private final Map<String, ToolBinding> bindings;
    private final InterruptRegistry interrupts;
    private final ToolRuns runs;
    private final Resumer resumer;
    private final Telemetry telemetry;
    private final TurnJournals journals;

    /** @param bindings the tools by name (names are unique) */
    public AgentRuntime(AgentSettings settings, Map<String, ToolBinding> bindings, List<ToolSource> sources) {
        this.settings = settings;
        this.bindings = Map.copyOf(bindings);
        this.telemetry = settings.telemetry();
        TurnJournals journals = new TurnJournals(settings.clock());
        this.journals = journals;
        this.interrupts = new InterruptRegistry(settings, this.bindings::get, journals);
        this.runs = new ToolRuns(settings, journals, interrupts);
        this.resumer = new Resumer(settings, interrupts, (call, turn) -> runWaiting(call, turn, sources));
    }

    /**
     * What runs tool calls: {@link dev.agentauth.agent.spi.AgentCore#run} calls it directly, one frame fewer under
     * each tool.
     */
    public ToolRuns runs() {
        return runs;
    }

    /** A waiting call of a resumed turn: a bound tool, else the first source that offers it to the principal. */
    private ToolResult runWaiting(ToolCall call, Turn turn, List<ToolSource> sources) {
        ToolBinding binding = bindings.get(call.name());
        if (binding != null) {
            return runs.run(binding, null, call, turn);
        }
        for (ToolSource source : sources) {
            if (source.offers(call.name(), turn.principal())) {
                return runs.run(null, source, call, turn);
            }
        }
        return ToolResult.error("There is no tool named '" + call.name() + "'.");
    }

    /** See {@link dev.agentauth.agent.spi.AgentCore#newTurnScope()}. */
    public TurnScope newTurnScope() {
        return journals.newScope();
    }

    /** See {@link dev.agentauth.agent.spi.AgentCore#turnEnded(String)}. */
    public void turnEnded(String turnId) {
        interrupts.turnEnded(turnId);
    }

    /** How many turn journals are kept (for tests). */
    public int journals() {
        return interrupts.journals();
    }

    public ConsentInterruptException settle(ConsentInterruptException thrown) {
        return interrupts.settle(thrown);
    }

    public Optional<ConsentInterrupt> interrupt(String id) {
        return interrupts.interrupt(id);
    }

    public List<ConsentInterrupt> pending(String user) {
        return interrupts.pending(user);
    }

    public Object resume(String interruptId, String user) {
        return observed("resume", () -> resumer.resume(interruptId, user));
    }

    public Object decline(String interruptId, String user) {
        return observed("decline", () -> resumer.decline(interruptId, user));
    }

    public AgentSettings settings() {
        return settings;
    }

    /** A resume or decline as an {@code agentauth.interrupt.resume} observation, tagged with how it ended. */
    private Object observed(String kind, Supplier<Object> work) {
        Telemetry.Span span = telemetry.start("agentauth.interrupt.resume").tag("kind", kind);
        try {
            Object result = work.get();
            span.tag("outcome", "continued");
            return result;
        } catch (ConsentInterruptException e) {
            span.tag("outcome", "interrupted_again");
            throw e;
        } catch (ResumeRejectedException e) {
            span.tag("outcome", "rejected_" + e.reason().name().toLowerCase(Locale.ROOT));
            throw e;
        } catch (RuntimeException e) {
            span.tag("outcome", "failed").error(e);
            throw e;
        } finally {
            span.stop();
        }
    }
}
