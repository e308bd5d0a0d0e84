package dev.agentauth.agent.spi;

import dev.agentauth.agent.ToolCall;
import dev.agentauth.core.Principal;
import java.util.List;

/**
 * One framework call as its adapter sees it while a tool of it runs (a LangChain4j AI-service invocation, a Spring AI
 * chat request): the agent core keys its turn journal and interrupts on it. The adapter builds one per tool call from
 * its framework's context.
 *
 * <p>Thread-safe as far as the core needs: it may call these from the tool's thread and, for look-ahead, once more.
 *
 * @since 0.3.0
 */
public interface Turn {

    /** Unique per framework call: every tool call of one call shares it (LangChain4j: the invocation id). */
    String id();

    /** The conversation's chat-memory id, or {@code null} when the framework call has no memory. */
    Object memoryId();

    /**
     * Who the call acts for — from the framework call's context (invocation parameters, tool context), never from tool
     * arguments or model output.
     *
     * @throws dev.agentauth.agent.MissingPrincipalException the call names nobody
     */
    Principal principal();

    /**
     * The tool calls of the assistant message that made {@code current} (at least {@code current} itself): an
     * interrupt lists every consent they need, and answers each of them in chat memory.
     */
    List<ToolCall> batch(ToolCall current);

    /**
     * How this turn continues after an interrupt (see {@link Continuation}), or {@code null} when it cannot be made
     * again (then a resume is refused with a typed reason rather than continued another way).
     */
    Continuation continuation();

    /**
     * Where the core keeps what this turn's tool calls did: the {@link TurnScope} the adapter made for this framework
     * call with {@link AgentCore#newTurnScope()}, or {@code null} (the default), for an adapter that has nowhere to
     * keep one — the core then keeps it under {@link #id()} until {@link AgentCore#turnEnded} (or, unreported, for 30
     * minutes). Every tool call of one framework call must return the same scope.
     */
    default TurnScope scope() {
        return null;
    }
}
