package dev.agentauth.core;

/** How a token is obtained for a {@link TokenRequest}. */
public enum Flow {
    /**
     * On behalf of the user, after the user's consent: authorization code with PKCE (RFC 6749 §4.1, RFC 7636), then
     * refresh tokens (RFC 6749 §6). The principal must name a user.
     */
    USER_CONSENT,
    /** The agent as itself: client credentials (RFC 6749 §4.4). Cached per provider, scopes and agent key. */
    CLIENT_CREDENTIALS,
    /** A static API key, configured for the agent or stored per user with {@link TokenBroker#storeApiKey}. */
    API_KEY
}
