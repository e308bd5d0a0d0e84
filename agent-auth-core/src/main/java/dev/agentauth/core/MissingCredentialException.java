package dev.agentauth.core;

/**
 * An API-key provider has no key for the principal: none was configured for the agent and none was stored for the
 * user with {@link TokenBroker#storeApiKey}. Ask the user (or the operator) for a key.
 */
public class MissingCredentialException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public MissingCredentialException(String message, ProviderId provider, Principal principal) {
        super(message, provider, principal);
    }
}
