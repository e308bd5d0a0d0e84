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
    private final DpopProver dpop;

    /**
     * @param value     the token itself
     * @param tokenType e.g. {@code Bearer}, or {@code ApiKey} for API keys
     * @param scopes    the scopes the token carries
     * @param expiresAt when it expires, or {@code null} when the provider gave no expiry
     * @param provider  the provider that issued it
     */
    public AccessToken(String value, String tokenType, Scopes scopes, Instant expiresAt, ProviderId provider) {
        this(value, tokenType, scopes, expiresAt, provider, null);
    }

    /**
     * A token bound to a DPoP key (RFC 9449) when {@code dpop} is not {@code null}.
     *
     * @since 0.2.0
     */
    public AccessToken(String value, String tokenType, Scopes scopes, Instant expiresAt, ProviderId provider,
                       DpopProver dpop) {
        this.dpop = dpop;
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

    /**
     * The value of an HTTP {@code Authorization} header carrying this token: {@code Bearer <token>} (RFC 6750 §2.1),
     * or {@code DPoP <token>} for a DPoP-bound token (RFC 9449 §7.1), which also needs a {@code DPoP} proof header
     * per request from {@link #dpop()}.
     */
    public String authorizationHeader() {
        return (dpop != null ? "DPoP " : "Bearer ") + value;
    }

    /**
     * The prover of a DPoP-bound token (RFC 9449); empty for bearer tokens.
     *
     * @since 0.2.0
     */
    public Optional<DpopProver> dpop() {
        return Optional.ofNullable(dpop);
    }

    /**
     * A fresh {@code DPoP} proof header value for a {@code method} request to {@code uri} with this token.
     *
     * @throws IllegalStateException the token is a bearer token
     * @since 0.2.0
     */
    public String dpopProof(String method, java.net.URI uri) {
        if (dpop == null) {
            throw new IllegalStateException("a bearer token has no DPoP proof");
        }
        return dpop.proof(method, uri, this);
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
