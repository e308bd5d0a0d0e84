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
     * The HTTP status a callback page should answer with: 200 when connected, 202 when the sign-in is being saved
     * ({@link Status#SAVE_PENDING}), 503 when the provider could not be reached and a reload may finish it
     * ({@link Status#PROVIDER_UNAVAILABLE}), 400 otherwise.
     *
     * @since 0.3.0
     */
    public int httpStatus() {
        return switch (status) {
            case COMPLETED -> 200;
            case SAVE_PENDING -> 202;
            case PROVIDER_UNAVAILABLE -> 503;
            default -> 400;
        };
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
        return consentId != null && status != Status.COMPLETED && status != Status.SAVE_PENDING
                && status != Status.PROVIDER_UNAVAILABLE;
    }

    /**
     * Callback outcomes. Everything but {@link #COMPLETED} and {@link #SAVE_PENDING} redeemed nothing (tokens of an
     * {@link #ACCOUNT_MISMATCH} are revoked).
     */
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
        FAILED,
        /**
         * The provider could not be reached (or answered 5xx) to redeem the code. The consent stays open: reloading
         * the callback page finishes it once the provider answers.
         *
         * @since 0.3.0
         */
        PROVIDER_UNAVAILABLE,
        /**
         * The user signed in and the provider issued tokens, but the token store could not take them (a database that
         * is down or frozen). Nothing is lost: the broker that handled the callback keeps the grant, serves it to the
         * consent's waiters in that process, and saves it as soon as the store is back (then every replica sees it);
         * a reload of the callback page retries at once. If the store stays away for ten minutes, the tokens are
         * revoked at the provider and the user connects again.
         *
         * @since 0.3.0
         */
        SAVE_PENDING
    }
}
