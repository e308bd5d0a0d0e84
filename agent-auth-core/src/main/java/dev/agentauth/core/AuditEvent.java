package dev.agentauth.core;

import java.time.Instant;
import java.util.Objects;

/**
 * Something happened to a credential. Holds no secret. Immutable and thread-safe.
 *
 * @param type      what happened
 * @param provider  the provider
 * @param principal the principal, or {@code null} when unknown (a forged callback)
 * @param scopes    the scopes involved
 * @param consentId the consent involved, or {@code null}
 * @param at        when, by the broker's clock
 * @param detail    a short human note (an OAuth error code, a rejection reason), or {@code null}
 * @param account   the identity-provider account involved, when known (consents completed, tokens issued for them,
 *                  grants revoked), else {@code null}
 */
public record AuditEvent(Type type, ProviderId provider, Principal principal, Scopes scopes, ConsentId consentId,
                         Instant at, String detail, ConnectedAccount account) {

    /** An event without a connected account. */
    public AuditEvent(Type type, ProviderId provider, Principal principal, Scopes scopes, ConsentId consentId,
                      Instant at, String detail) {
        this(type, provider, principal, scopes, consentId, at, detail, null);
    }

    public AuditEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(at, "at");
        scopes = scopes == null ? Scopes.NONE : scopes;
    }

    /** Kinds of audit events. */
    public enum Type {
        /** A new token was issued (client credentials, or a code redeemed after consent). */
        TOKEN_ISSUED,
        /** A token was refreshed. */
        TOKEN_REFRESHED,
        /** A token was handed to a tool or server (emitted by the tools and MCP layers). */
        TOKEN_USED,
        /** A refresh failed for a reason that kept the grant (network, 5xx, malformed response). */
        REFRESH_FAILED,
        /** The provider said the grant is no longer valid ({@code invalid_grant}); it was removed. */
        GRANT_INVALIDATED,
        /** The user was asked to authorize. */
        CONSENT_REQUESTED,
        /** The user authorized and the code was redeemed. */
        CONSENT_COMPLETED,
        /** The user or provider declined. */
        CONSENT_DENIED,
        /** A callback was rejected (unknown, replayed or expired state, wrong issuer, wrong redirect or user). */
        CONSENT_REJECTED,
        /** A grant was revoked or disconnected. */
        GRANT_REVOKED
    }
}
