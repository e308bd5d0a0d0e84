package dev.agentauth.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A credential ready to use: an OAuth access token, or an API key.
 *
 * <p>{@link #toString()} is redacted; read the value only where it is sent, with {@link #value()}. Immutable and
 * thread-safe.
 */
public final class AccessToken {

    private final String value;
    private final String tokenType;
    private final Scopes scopes;
    private final Instant expiresAt;
    private final ProviderId provider;

    /**
     * @param value     the token itself
     * @param tokenType e.g. {@code Bearer}, or {@code ApiKey} for API keys
     * @param scopes    the scopes the token carries
     * @param expiresAt when it expires, or {@code null} when the provider gave no expiry
     * @param provider  the provider that issued it
     */
    public AccessToken(String value, String tokenType, Scopes scopes, Instant expiresAt, ProviderId provider) {
        this.value = Objects.requireNonNull(value, "value");
        this.tokenType = Objects.requireNonNull(tokenType, "tokenType");
        this.scopes = Objects.requireNonNull(scopes, "scopes");
        this.expiresAt = expiresAt;
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    /** The token itself. Never log it or hand it to a model. */
    public String value() {
        return value;
    }

    /** The token type, e.g. {@code Bearer}. */
    public String tokenType() {
        return tokenType;
    }

    /** The scopes the token carries. */
    public Scopes scopes() {
        return scopes;
    }

    /** When the token expires; empty for tokens without an expiry (e.g. GitHub OAuth App tokens, API keys). */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    /** The provider that issued the token. */
    public ProviderId provider() {
        return provider;
    }

    /** The value of an HTTP {@code Authorization} header carrying this token as a bearer token (RFC 6750 §2.1). */
    public String authorizationHeader() {
        return "Bearer " + value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccessToken t && value.equals(t.value) && provider.equals(t.provider);
    }

    @Override
    public int hashCode() {
        return provider.hashCode();
    }

    @Override
    public String toString() {
        return "AccessToken[provider=" + provider + ", type=" + tokenType + ", scopes=" + scopes
                + ", expiresAt=" + expiresAt + ", value=redacted]";
    }
}
