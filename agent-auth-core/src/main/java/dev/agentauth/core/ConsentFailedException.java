package dev.agentauth.core;

/** A consent ended without a token: the user declined, it expired, or its callback was rejected. */
public class ConsentFailedException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    /** Why a consent ended without a token. */
    public enum Reason {
        /** The user or the provider declined ({@code access_denied} or another error on the callback). */
        DENIED,
        /** The consent expired before the user completed it. */
        EXPIRED,
        /** The consent is unknown: never started, already completed, or purged. */
        UNKNOWN,
        /** The callback failed a check (redirect URI, issuer, user) or the code could not be redeemed. */
        REJECTED,
        /**
         * Another identity-provider account signed in than the one the application expects for this user
         * ({@link ExpectedAccount}), or the provider did not say which account did. Nothing was stored.
         *
         * @since 0.2.0
         */
        ACCOUNT_MISMATCH
    }

    private final ConsentId consentId;
    private final Reason reason;

    public ConsentFailedException(ConsentId consentId, Reason reason, String message, ProviderId provider,
                                  Principal principal, String oauthError) {
        super(message, provider, principal, oauthError, false, null);
        this.consentId = consentId;
        this.reason = reason;
    }

    /** The consent that failed. */
    public ConsentId consentId() {
        return consentId;
    }

    /** Why it failed. */
    public Reason reason() {
        return reason;
    }
}
