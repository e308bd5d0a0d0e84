package dev.agentauth.verify;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Scopes;
import java.util.Objects;

/**
 * A bearer token was refused. {@link #reason()} says why, in a form a server can act on; the message says it for a
 * human and names the expected values (issuer, audience), never the token or its claims. {@link #oauthError()} is the
 * RFC 6750 §3.1 error code: {@code invalid_token}, {@code insufficient_scope}, or {@code null} for a missing token.
 * Only {@link Reason#JWKS_UNAVAILABLE} is {@link #retryable()}.
 */
public class TokenVerificationException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    /** Why a token was refused. */
    public enum Reason {
        /** No bearer token in the request. */
        MISSING_TOKEN,
        /** Not a JWT, an encrypted JWT, a disallowed {@code typ}, or unparsable claims. */
        MALFORMED,
        /** {@code alg} is {@code none}, HMAC, or otherwise not on the issuer's allow-list. */
        ALGORITHM_NOT_ALLOWED,
        /** No key in the issuer's JWKS matches the token's {@code kid} and algorithm, even after one re-fetch. */
        UNKNOWN_KEY,
        /** The signature does not verify. */
        BAD_SIGNATURE,
        /** {@code iss} is not exactly a trusted issuer. */
        WRONG_ISSUER,
        /** {@code aud} does not contain this service's audience. */
        WRONG_AUDIENCE,
        /** {@code exp} has passed (beyond the allowed clock skew). */
        EXPIRED,
        /** {@code nbf} or {@code iat} is in the future (beyond the allowed clock skew). */
        NOT_YET_VALID,
        /** A required claim ({@code exp}) is missing. */
        MISSING_CLAIM,
        /** Valid, but without the scopes this service requires (HTTP 403). */
        INSUFFICIENT_SCOPE,
        /** The issuer's metadata or JWKS cannot be fetched: refused, fail closed. Retryable. */
        JWKS_UNAVAILABLE,
        /**
         * A token presented with the {@code DPoP} scheme (RFC 9449 §7) whose proof is missing, malformed, signed
         * with a disallowed algorithm, for another method or URL ({@code htm}, {@code htu}), outside the {@code iat}
         * window, replayed ({@code jti}), not for this token ({@code ath}) or not of the token's key
         * ({@code cnf.jkt}); or a token without {@code cnf.jkt} presented with the DPoP scheme.
         *
         * @since 0.2.0
         */
        INVALID_DPOP_PROOF,
        /**
         * A DPoP-bound token (it carries {@code cnf.jkt}) presented as a bearer token: without the proof of its key it
         * is refused (RFC 9449 §7.2).
         *
         * @since 0.2.0
         */
        DPOP_REQUIRED
    }

    private final Reason reason;
    private final Scopes requiredScopes;

    public TokenVerificationException(Reason reason, String message, Scopes requiredScopes, Throwable cause) {
        super(message, null, null, oauthErrorOf(Objects.requireNonNull(reason, "reason")),
                reason == Reason.JWKS_UNAVAILABLE, cause);
        this.reason = reason;
        this.requiredScopes = requiredScopes == null ? Scopes.NONE : requiredScopes;
    }

    public TokenVerificationException(Reason reason, String message) {
        this(reason, message, null, null);
    }

    /** Why the token was refused. */
    public Reason reason() {
        return reason;
    }

    /** For {@link Reason#INSUFFICIENT_SCOPE}: the scopes required (RFC 6750 §3 {@code scope}); otherwise empty. */
    public Scopes requiredScopes() {
        return requiredScopes;
    }

    private static String oauthErrorOf(Reason reason) {
        return switch (reason) {
            case MISSING_TOKEN -> null; // RFC 6750 §3.1: no error code when the request had no credentials
            case INSUFFICIENT_SCOPE -> "insufficient_scope";
            default -> "invalid_token";
        };
    }
}
