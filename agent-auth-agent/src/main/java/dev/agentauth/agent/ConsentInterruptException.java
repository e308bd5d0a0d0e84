package dev.agentauth.agent;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;

/**
 * Ends an agent call (a LangChain4j AI-service call, a Spring AI {@code ChatClient} call) whose tools need the user's
 * authorization first. Catch it around the call, show {@link #interrupt()} to the user, and ask the agent to resume
 * it when they are done. Chat memory is valid when this is thrown: every tool call the memory holds has a result.
 */
public class ConsentInterruptException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    private final transient ConsentInterrupt interrupt;

    public ConsentInterruptException(ConsentInterrupt interrupt) {
        super("user " + interrupt.user() + " must authorize " + interrupt.consents().stream()
                        .map(ConsentInterrupt.Consent::providerDisplayName).distinct().toList()
                        + " before " + interrupt.waitingToolCalls().size() + " tool call(s) can run; show interrupt "
                        + interrupt.id() + " to the user, then resume it", null,
                Principal.of(interrupt.user(), interrupt.agent()), null, false, null);
        this.interrupt = interrupt;
    }

    /** What the user must authorize, and which tool calls wait. */
    public ConsentInterrupt interrupt() {
        return interrupt;
    }

    // Control flow, not a failure: no stack trace to fill.
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
