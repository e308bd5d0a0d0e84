package dev.agentauth.agent;

import dev.agentauth.core.AgentAuthException;

/**
 * An agent call reached a tool that needs a user, and the call named none (in LangChain4j, no user in its
 * {@code InvocationParameters}; in Spring AI, none in its tool context; or a principal resolver that found nobody).
 * The tool is not run and nothing goes to the model: the exception leaves the agent call, chat memory is left valid
 * (the tool calls of that turn are answered as not run), and a WARN is logged. It is the application's bug to fix:
 * pass the signed-in user with every call.
 *
 * @since 0.2.0
 */
public class MissingPrincipalException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public MissingPrincipalException(String message) {
        super(message, null, null);
    }
}
