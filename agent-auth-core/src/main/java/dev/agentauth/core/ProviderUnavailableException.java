package dev.agentauth.core;

/**
 * The provider could not be reached or answered something unusable (connection refused, timeout, HTTP 5xx or 429, a
 * malformed response). The stored grant was kept; retrying later may succeed, so {@link #retryable()} is true.
 */
public class ProviderUnavailableException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public ProviderUnavailableException(String message, ProviderId provider, Principal principal, Throwable cause) {
        super(message, provider, principal, null, true, cause);
    }
}
