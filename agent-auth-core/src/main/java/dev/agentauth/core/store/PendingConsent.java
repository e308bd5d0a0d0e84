package dev.agentauth.core.store;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Scopes;
import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * A consent the broker started and has not finished: everything the callback needs to redeem the code, bound together
 * so that a callback can only complete the consent it was issued for. Stores must encrypt {@code codeVerifier} at
 * rest; {@link #toString()} is redacted. Immutable and thread-safe.
 *
 * @param id           the consent id shown to the UI
 * @param stateDigest  SHA-256 of the OAuth {@code state}, base64url; the state itself is never stored
 * @param key          the grant the token will be stored under
 * @param principal    the user and agent the consent is for
 * @param scopes       the scopes asked for
 * @param codeVerifier the PKCE verifier (RFC 7636), or {@code null} without PKCE
 * @param redirectUri  the redirect URI sent on the authorization request
 * @param createdAt    when the consent started
 * @param expiresAt    after this, the callback is refused
 */
public record PendingConsent(ConsentId id, String stateDigest, GrantKey key, Principal principal, Scopes scopes,
                             String codeVerifier, URI redirectUri, Instant createdAt, Instant expiresAt) {

    public PendingConsent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(stateDigest, "stateDigest");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(redirectUri, "redirectUri");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    @Override
    public String toString() {
        return "PendingConsent[id=" + id + ", key=" + key + ", scopes=" + scopes + ", redirectUri=" + redirectUri
                + ", expiresAt=" + expiresAt + ", codeVerifier=redacted]";
    }
}
