package dev.agentauth.core;

/**
 * The provider answered with an OAuth error (RFC 6749 §5.2) other than one the broker handles itself: e.g.
 * {@code invalid_client} (check the client id and secret), {@code invalid_scope} (the client may not ask for these
 * scopes), {@code unauthorized_client}. {@link #oauthError()} holds the code. Not retryable.
 */
public class TokenRefusedException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public TokenRefusedException(String message, ProviderId provider, Principal principal, String oauthError) {
        super(message, provider, principal, oauthError, false, null);
    }
}
