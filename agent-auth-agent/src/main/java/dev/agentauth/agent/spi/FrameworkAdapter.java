package dev.agentauth.agent.spi;

import dev.agentauth.agent.ToolCall;
import dev.agentauth.core.Principal;
import java.util.List;
import java.util.Map;

/**
 * What the agent core asks of the framework adapter that drives it: writing tool results into the framework's chat
 * memory, and continuing an interrupted turn through the framework's own call (its own model loop, guardrails,
 * advisors, output parsing — never a loop of the core's).
 *
 * <p>Implementations are thread-safe; every method may block on the framework (memory stores, the model).
 *
 * @since 0.3.0
 */
public interface FrameworkAdapter {

    /** The adapter's name, as in {@link Continuation#adapter()}. */
    String name();

    /**
     * An interrupt settled: chat memory {@code memoryId} must answer every call of {@code batch} that it holds
     * unanswered — {@code answers} has a result for each (the real one for calls that ran, a placeholder for those that
     * wait), so memory is valid for the conversation's next message while the user decides.
     */
    void settled(Object memoryId, List<ToolCall> batch, Map<String, ToolResult> answers);

    /**
     * A resume ran the waiting calls: memory {@code memoryId} now gets their results in place of the placeholders
     * ({@code answers} by call id; calls of {@code batch} not in it keep what they had).
     */
    void resumed(Object memoryId, List<ToolCall> batch, Map<String, ToolResult> answers);

    /**
     * Whether the turn can continue here; throws {@link dev.agentauth.agent.ResumeRejectedException} with
     * {@code SERVICE_UNAVAILABLE} when it cannot (and nothing has run yet). Called before the resume claims the
     * interrupt, for a continuation this adapter wrote ({@link Continuation#adapter()} is its {@link #name()}: the core
     * refuses another adapter's itself).
     */
    void checkContinuable(String interruptId, Principal principal, Continuation continuation);

    /**
     * Continues the turn through the framework: the model sees the conversation with the tool results as if the turn
     * had not paused. Returns what the framework call returns (a {@code String}, a POJO, a stream...). May throw a new
     * {@link dev.agentauth.agent.ConsentInterruptException} when the continued turn needs yet another consent.
     */
    Object continueTurn(Continuation continuation, Object memoryId, Principal principal);

    /**
     * As {@link #continueTurn(Continuation, Object, Principal)}, with the result of every call of the interrupted
     * batch by call id, in the batch's order: those answered when the interrupt settled and those run by the resume.
     * For a framework whose chat memory does not hold the turn's tool calls (or a call without memory), so that the
     * continued call can hand the model the tool results itself. The core calls this one; by default it ignores the
     * results.
     *
     * @since 0.3.0
     */
    default Object continueTurn(Continuation continuation, Object memoryId, Principal principal, List<ToolCall> batch,
                                Map<String, ToolResult> results) {
        return continueTurn(continuation, memoryId, principal);
    }
}
