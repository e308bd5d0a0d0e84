package dev.agentauth.core;

/**
 * The root of every agent-auth failure. Carries the provider, the principal and the OAuth error code when known, and
 * whether retrying the same call later may succeed.
 *
 * <p>Messages say what happened and what to do next; they never contain a token, refresh token, authorization code,
 * PKCE verifier, client secret or key.
 */
public class AgentAuthException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ProviderId provider;
    private final Principal principal;
    private final String oauthError;
    private final boolean retryable;

    public AgentAuthException(String message, ProviderId provider, Principal principal, String oauthError,
                              boolean retryable, Throwable cause) {
        super(message, cause);
        this.provider = provider;
        this.principal = principal;
        this.oauthError = oauthError;
        this.retryable = retryable;
    }

    public AgentAuthException(String message, ProviderId provider, Principal principal) {
        this(message, provider, principal, null, false, null);
    }

    /** The provider involved, or {@code null}. */
    public ProviderId provider() {
        return provider;
    }

    /** The principal involved, or {@code null}. */
    public Principal principal() {
        return principal;
    }

    /** The OAuth error code the provider answered (e.g. {@code invalid_client}), or {@code null}. */
    public String oauthError() {
        return oauthError;
    }

    /** Whether the same call may succeed later (network failure, 5xx, timeout); the stored grant was kept. */
    public boolean retryable() {
        return retryable;
    }
}
