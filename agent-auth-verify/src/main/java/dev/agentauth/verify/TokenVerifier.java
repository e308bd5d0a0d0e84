package dev.agentauth.verify;

/**
 * Verifies JWT bearer tokens a service receives (RFC 6750, RFC 9068 access tokens, OpenID Connect ID tokens).
 *
 * <p>Each token must be a JWS whose {@code alg} is on its issuer's allow-list, signed by a key from that issuer's JWKS,
 * with {@code iss} exactly a trusted issuer, {@code aud} containing this service's audience, {@code exp} in the future
 * and {@code nbf}/{@code iat} not in the future (each within the clock skew), and the required scopes. Anything else
 * throws {@link TokenVerificationException} with a {@link TokenVerificationException.Reason reason}.
 *
 * <p><b>Keys.</b> An issuer's JWKS is fetched on first use (its {@code jwks_uri} from the discovery document) and
 * cached ({@link TokenVerifierBuilder#jwksCacheTtl}). A token whose {@code kid} is not in the cached set causes one
 * re-fetch, rate-limited: at most two fetches per issuer per {@link TokenVerifierBuilder#jwksRefetchInterval}
 * (Nimbus {@code RateLimitedJWKSetSource}), so a flood of tokens with made-up key ids cannot flood the issuer. When the
 * JWKS cannot be fetched the token is refused ({@code JWKS_UNAVAILABLE}): fail closed.
 *
 * <p><b>Thread-safety and blocking.</b> Thread-safe; one verifier serves the whole server. {@link #verify} runs on the
 * caller's thread and blocks only when the issuer's metadata or JWKS must be fetched (bounded by the configured HTTP
 * timeouts); otherwise it is CPU only.
 */
public interface TokenVerifier {

    /** A builder for a verifier. */
    static TokenVerifierBuilder builder() {
        return new TokenVerifierBuilder();
    }

    /**
     * Verifies a bearer token (the value after {@code Bearer }).
     *
     * @throws TokenVerificationException the token is refused; {@link TokenVerificationException#reason()} says why
     */
    VerifiedToken verify(String token);

    /**
     * Verifies a DPoP-bound token (RFC 9449 §7) presented as {@code Authorization: DPoP <token>} with its
     * {@code DPoP} proof for a {@code method} request to {@code uri}: everything {@link #verify} checks, then the
     * proof — its signature by the key in its {@code jwk} header, {@code typ}, {@code alg}, {@code htm}, {@code htu}
     * (without query and fragment), {@code iat} within the allowed window, a {@code jti} never seen before (replay
     * cache), {@code ath} the hash of this token, and that key's thumbprint the token's {@code cnf.jkt}. CPU only
     * (after the token's keys are cached).
     *
     * @throws TokenVerificationException the token or the proof is refused
     * @since 0.2.0
     */
    default VerifiedToken verifyDpop(String token, String proof, String method, java.net.URI uri) {
        throw new TokenVerificationException(TokenVerificationException.Reason.INVALID_DPOP_PROOF,
                "this verifier does not accept DPoP-bound tokens");
    }

    /** The audience tokens must carry: this service's logical name. */
    String audience();
}
