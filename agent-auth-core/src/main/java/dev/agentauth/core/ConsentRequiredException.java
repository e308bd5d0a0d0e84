package dev.agentauth.core;

/** Thrown where a token was required but the user must authorize first; {@link #consent()} says where. */
public class ConsentRequiredException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    private final transient ConsentRequirement consent;

    public ConsentRequiredException(ConsentRequirement consent) {
        this(consent, "user " + consent.principal().user() + " has not connected " + consent.provider()
                + " for scopes [" + consent.scopes() + "]; show the consent URL to the user (consent "
                + consent.id() + ", expires " + consent.expiresAt() + ")");
    }

    public ConsentRequiredException(ConsentRequirement consent, String message) {
        super(message, consent.provider(), consent.principal(), null, false, null);
        this.consent = consent;
    }

    /** Where the user must go, and until when. */
    public ConsentRequirement consent() {
        return consent;
    }
}
