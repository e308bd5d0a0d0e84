package dev.agentauth.core;

/**
 * The outcome of handing an OAuth callback to {@link TokenBroker#completeConsent}. Render {@link #userMessage()} to
 * the user's browser; it holds no secret and no attacker-supplied text. Immutable and thread-safe.
 *
 * @param status      what happened
 * @param consentId   the consent, or {@code null} when the state was unknown
 * @param provider    the provider, or {@code null} when the state was unknown
 * @param principal   the principal, or {@code null} when the state was unknown
 * @param userMessage a sentence for the user's browser
 */
public record ConsentCallbackResult(Status status, ConsentId consentId, ProviderId provider, Principal principal,
                                    String userMessage) {

    /** Whether the consent was completed and a token stored. */
    public boolean success() {
        return status == Status.COMPLETED;
    }

    /**
     * Whether this callback used up a consent without completing it: its state is single use, so the same link
     * cannot be used again. The waiting tool call or {@code awaitToken} was told; to try again, request the token
     * again (or resume the interrupt) for a new consent and a new link. {@code false} for a completed consent and for
     * callbacks that matched no consent.
     *
     * @since 0.2.0
     */
    public boolean consentSpent() {
        return consentId != null && status != Status.COMPLETED;
    }

    /** Callback outcomes. Everything but {@link #COMPLETED} redeemed nothing. */
    public enum Status {
        /** The code was redeemed and the token stored. */
        COMPLETED,
        /** The user or provider declined. */
        DENIED,
        /** No state, or a state this broker never issued or already used (forged or replayed). */
        UNKNOWN_STATE,
        /** The consent expired before the callback. */
        EXPIRED,
        /** The {@code iss} parameter did not match the provider, or was missing where the provider promises it (RFC 9207). */
        ISSUER_MISMATCH,
        /** The callback arrived at another redirect URI than the one the consent was started with. */
        REDIRECT_MISMATCH,
        /** The signed-in user of the application is not the user the consent was started for. */
        USER_MISMATCH,
        /**
         * Another identity-provider account signed in than the one expected for the user ({@link ExpectedAccount}),
         * or the provider did not say which one did; the tokens were discarded.
         *
         * @since 0.2.0
         */
        ACCOUNT_MISMATCH,
        /** The callback was malformed, or the provider refused to redeem the code. */
        FAILED
    }
}
