package dev.agentauth.core.store;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Principal;
import java.time.Instant;
import java.util.Objects;

/**
 * How a consent ended, recorded by the broker that received the OAuth callback so that the broker that started the
 * consent (another replica, when the store is shared) can finish its waiters. Holds no secret: on {@link
 * Status#COMPLETED} the token is read from the grant stored under {@link #key()}. Immutable and thread-safe.
 *
 * @param id          the consent
 * @param status      how it ended
 * @param key         the grant the consent was for
 * @param principal   the user and agent the consent was for
 * @param errorCode   the OAuth error code (e.g. {@code access_denied}) or a short reason; {@code null} on success
 * @param completedAt when the callback was handled
 * @param expiresAt   after this, stores may forget the outcome ({@link TokenStore#purgeExpiredConsents})
 */
public record ConsentOutcome(ConsentId id, Status status, GrantKey key, Principal principal, String errorCode,
                             Instant completedAt, Instant expiresAt) {

    /** How a consent ended. */
    public enum Status {
        /** The code was redeemed and the grant stored. */
        COMPLETED,
        /** The user declined at the provider. */
        DENIED,
        /** The consent had expired when the callback came. */
        EXPIRED,
        /** The callback failed a check (redirect URI, issuer, user) or the code could not be redeemed. */
        REJECTED
    }

    public ConsentOutcome {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(completedAt, "completedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
