package dev.agentauth.core;

import java.net.URI;

/**
 * Makes DPoP proofs (RFC 9449) for a DPoP-bound {@link AccessToken}: the key is the broker's own (one EC P-256 key shared by its agents), kept by the broker
 * (persisted and encrypted in its token store, like the tokens), and never leaves it. Send the token as
 * {@code Authorization: DPoP <token>} ({@link AccessToken#authorizationHeader()} does) together with a fresh
 * {@code DPoP} header from {@link #proof} for every request.
 *
 * <p>Thread-safe; signing is local (no I/O). Proofs carry a random {@code jti}, {@code iat} now, {@code htm} and
 * {@code htu} of the request, {@code ath} (the token's SHA-256) and the last nonce the request's origin sent.
 *
 * @since 0.2.0
 */
public interface DpopProver {

    /** A fresh proof for a {@code method} request to {@code uri} carrying {@code token}. */
    String proof(String method, URI uri, AccessToken token);

    /**
     * Remembers the {@code DPoP-Nonce} a server sent (RFC 9449 §8, §9), so later proofs for its origin carry it. Call
     * it with the header of every answer that has one; a {@code use_dpop_nonce} challenge is answered by repeating
     * the request once with a new proof.
     */
    void nonce(URI uri, String nonce);
}
