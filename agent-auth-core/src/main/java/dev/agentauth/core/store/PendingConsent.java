package dev.agentauth.core.store;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Scopes;
import java.net.URI;
import java.time.Duration;
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
 * @param pollInterval for a device authorization (RFC 8628), how often its token endpoint may be polled now (the
 *                     device code is then the {@code codeVerifier} and the verification URI the {@code redirectUri});
 *                     {@code null} for a redirect. Stores keep it with the consent, so that any replica can poll it:
 *                     see {@link TokenStore#dueDeviceConsents}
 */
public record PendingConsent(ConsentId id, String stateDigest, GrantKey key, Principal principal, Scopes scopes,
                             String codeVerifier, URI redirectUri, Instant createdAt, Instant expiresAt,
                             Duration pollInterval) {

    /** A consent completed through a redirect (no polling). */
    public PendingConsent(ConsentId id, String stateDigest, GrantKey key, Principal principal, Scopes scopes,
                          String codeVerifier, URI redirectUri, Instant createdAt, Instant expiresAt) {
        this(id, stateDigest, key, principal, scopes, codeVerifier, redirectUri, createdAt, expiresAt, null);
    }

    /** Whether this is a device authorization, completed by polling rather than by a redirect. */
    public boolean device() {
        return pollInterval != null;
    }

    /** This consent polled every {@code interval} from now on (after a {@code slow_down}, RFC 8628 §3.5). */
    public PendingConsent withPollInterval(Duration interval) {
        return new PendingConsent(id, stateDigest, key, principal, scopes, codeVerifier, redirectUri, createdAt,
                expiresAt, Objects.requireNonNull(interval, "interval"));
    }

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
                + ", expiresAt=" + expiresAt + (pollInterval != null ? ", pollInterval=" + pollInterval : "")
                + ", codeVerifier=redacted]";
    }
}
