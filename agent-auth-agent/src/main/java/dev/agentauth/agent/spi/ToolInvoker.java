package dev.agentauth.agent.spi;

import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.ToolCredential;

/**
 * Runs a tool's own code the way its framework does (LangChain4j's tool executor, Spring AI's tool callback): the
 * adapter's half of a {@link ToolBinding}. The agent core calls it after it found the principal and the credential.
 *
 * <p>Thread-safe; blocks as long as the tool runs.
 *
 * @since 0.3.0
 */
@FunctionalInterface
public interface ToolInvoker {

    /**
     * Runs the tool.
     *
     * @param call       the call, its arguments with the token written into the tool's {@code @InjectToken}
     *                   argument (when it has one); the model's own value for that argument is always overwritten
     * @param credential the call's credential for an authenticated tool (to hand to a credential parameter, or a tool
     *                   context), {@code null} for a plain tool
     * @param turn       the call's turn: the adapter's own {@link Turn} for a call its framework made, the core's for a
     *                   waiting call it runs on resume (rebuild the framework's context from its
     *                   {@link Turn#continuation()})
     * @return the tool's answer; the core redacts the token from it
     * @throws dev.agentauth.agent.TokenRejectedException    the tool's API answered 401 (the framework's own wrapping
     *                                                       of it is unwrapped by the core)
     * @throws dev.agentauth.agent.InsufficientScopeException the tool's API answered 403 {@code insufficient_scope}
     */
    ToolResult invoke(ToolCall call, ToolCredential credential, Turn turn);
}
