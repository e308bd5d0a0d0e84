package dev.agentauth.core.store;

import dev.agentauth.core.Scopes;
import java.time.Instant;
import java.util.Objects;

/**
 * What a {@link TokenStore} keeps for one grant. Holds secrets: stores must encrypt {@code accessToken} and
 * {@code refreshToken} at rest, and {@link #toString()} is redacted. Immutable and thread-safe.
 *
 * @param key          the grant's key
 * @param accessToken  the access token (or API key)
 * @param tokenType    e.g. {@code Bearer}
 * @param refreshToken the refresh token, or {@code null}
 * @param scopes       the scopes granted
 * @param expiresAt    when the access token expires, or {@code null} for none
 * @param updatedAt    when the grant was last issued or refreshed
 * @param account      the identity-provider account the user connected, or {@code null} when unknown; personal
 *                     data, which durable stores encrypt like the tokens
 */
public record StoredGrant(GrantKey key, String accessToken, String tokenType, String refreshToken, Scopes scopes,
                          Instant expiresAt, Instant updatedAt, dev.agentauth.core.ConnectedAccount account) {

    /** A grant without a known connected account. */
    public StoredGrant(GrantKey key, String accessToken, String tokenType, String refreshToken, Scopes scopes,
                       Instant expiresAt, Instant updatedAt) {
        this(key, accessToken, tokenType, refreshToken, scopes, expiresAt, updatedAt, null);
    }

    public StoredGrant {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(tokenType, "tokenType");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    @Override
    public String toString() {
        return "StoredGrant[key=" + key + ", tokenType=" + tokenType + ", scopes=" + scopes + ", expiresAt="
                + expiresAt + ", refreshToken=" + (refreshToken == null ? "none" : "redacted")
                + ", accessToken=redacted, updatedAt=" + updatedAt + (account != null ? ", account=redacted" : "")
                + "]";
    }
}
