package dev.agentauth.springai.internal;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.agent.spi.AgentCore;
import dev.agentauth.core.AgentAuthException;
import java.util.IdentityHashMap;
import java.util.Map;
import org.springframework.ai.tool.execution.ToolExecutionException;
import org.springframework.ai.tool.execution.ToolExecutionExceptionProcessor;

/**
 * The {@link ToolExecutionExceptionProcessor} of the tool loop of a {@code ChatClient} the agent builds: a consent
 * interrupt, a missing user or a failure the operator must fix found in a tool failure's causes leaves the
 * {@code ChatClient} call as itself; every other failure goes to the application's processor (Spring AI's default tells
 * the model its message). The agent's own tool callbacks throw these unwrapped, which Spring AI's tool loop never hands
 * to a processor; this one catches them where something between wrapped them. Thread-safe.
 */
public final class AgentToolFailures implements ToolExecutionExceptionProcessor {

    private final ToolExecutionExceptionProcessor delegate;

    public AgentToolFailures(ToolExecutionExceptionProcessor delegate) {
        this.delegate = delegate;
    }

    @Override
    public String process(ToolExecutionException exception) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = exception.getCause(); t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof ConsentInterruptException || t instanceof MissingPrincipalException) {
                throw (AgentAuthException) t;
            }
        }
        AgentAuthException operators = AgentCore.operatorFailure(exception);
        if (operators != null) {
            throw operators;
        }
        return delegate.process(exception);
    }
}
