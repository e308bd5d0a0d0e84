package dev.agentauth.agent;

/**
 * Throw from an {@link AuthenticatedTool} when the API answered HTTP 401 to the injected token. The framework refreshes
 * the token once and calls the tool again; if the API refuses again, the user is asked to consent again.
 */
public class TokenRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TokenRejectedException() {
        super("the API rejected the access token (HTTP 401)");
    }

    public TokenRejectedException(String message) {
        super(message);
    }
}
