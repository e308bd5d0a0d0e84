package dev.agentauth.tools;

import dev.agentauth.core.AgentAuthException;

/**
 * An AI-service call reached a tool that needs a user, and the invocation named none (no
 * {@link dev.langchain4j.invocation.InvocationParameters}, no {@link PrincipalResolver#USER} in them, or a
 * {@link PrincipalResolver} that found nobody). The call is not made and nothing goes to the model: the exception
 * leaves the AI-service method, chat memory is left valid (the tool calls of that turn are answered as not run), and
 * a WARN is logged. It is the application's bug to fix: pass the signed-in user with every call.
 *
 * @since 0.2.0
 */
public class MissingPrincipalException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public MissingPrincipalException(String message) {
        super(message, null, null);
    }
}
