package dev.agentauth.core.internal;

import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConnectedAccount;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where an issued token becomes a grant: build the {@link StoredGrant}, save it, audit it, cache it; and
 * where a grant is judged fresh or forgotten. Every grant policy goes through here, so the order store → audit → cache
 * is the same for every flow. Thread-safe; blocks on the store.
 */
final class GrantKeeper {

    private static final Logger log = LoggerFactory.getLogger(GrantKeeper.class);

    private final TokenStore store;
    private final GrantCache cache;
    private final AuditTrail audit;
    private final Clock clock;

    GrantKeeper(TokenStore store, GrantCache cache, AuditTrail audit, Clock clock) {
        this.store = store;
        this.cache = cache;
        this.audit = audit;
        this.clock = clock;
    }

    TokenStore store() {
        return store;
    }

    Clock clock() {
        return clock;
    }

    AuditTrail audit() {
        return audit;
    }

    GrantCache cache() {
        return cache;
    }

    /**
     * The grant stored under {@code key}. A row that fails the store's integrity check is never served: it counts as
     * absent (the user is asked to connect again, an agent token is obtained anew — either replaces the row), and the
     * refusal is logged and audited.
     */
    Optional<StoredGrant> find(GrantKey key) {
        try {
            return store.find(key);
        } catch (StoreIntegrityException e) {
            log.warn("grant {}: its stored row failed the integrity check and is not used ({}); it is obtained anew",
                    key, e.rowId());
            cache.remove(key);
            audit.record(AuditEvent.Type.GRANT_INVALIDATED, key.provider(), new Principal(key.user(), key.agent()),
                    null, null, "stored row failed its integrity check");
            return Optional.empty();
        }
    }

    /**
     * Whether the grant's access token is fresh: not yet in its refresh-ahead window. A stale grant is renewed by
     * whoever reaches the slow path — the background renewal, or a caller after the token expired.
     */
    boolean isFresh(StoredGrant grant) {
        return clock.millis() < cache.staleAt(grant.expiresAt(), grant.updatedAt());
    }

    /** Whether the grant's access token may still be handed out: not yet within the expiry margin. */
    boolean isUsable(StoredGrant grant) {
        return clock.millis() < cache.expiredAt(grant.expiresAt());
    }

    /** A stored grant, served and cached as it is. */
    TokenResult.Granted serve(StoredGrant grant) {
        return cache.put(grant.key(), grant);
    }

    /** A grant stored under another key (an agent's or shared API key), cached under the request's key. */
    TokenResult.Granted serveAs(GrantKey key, StoredGrant grant) {
        return cache.put(key, grant);
    }

    /**
     * The grant an issued token makes. {@code askedScopes} stand in when the answer names none (RFC 6749 §5.1: then
     * they equal the requested ones); {@code carriedRefreshToken} stands in when it carries none (§6: a new refresh
     * token is optional).
     */
    StoredGrant grantOf(GrantKey key, IssuedTokens issued, Scopes askedScopes, String carriedRefreshToken,
                        Provider provider) {
        return grantOf(key, issued, askedScopes, carriedRefreshToken, provider, null);
    }

    /** As above, recording the identity-provider account the grant belongs to. */
    StoredGrant grantOf(GrantKey key, IssuedTokens issued, Scopes askedScopes, String carriedRefreshToken,
                        Provider provider, ConnectedAccount account) {
        Instant now = clock.instant();
        return new StoredGrant(key, issued.accessToken(), issued.tokenType(),
                issued.refreshToken() != null ? issued.refreshToken() : carriedRefreshToken,
                issued.scope() != null ? issued.scope() : askedScopes, expiresAt(issued, provider, now), now,
                account);
    }

    /** Saves ({@code persist}), audits and caches {@code grant}, in that order. */
    TokenResult.Granted keep(StoredGrant grant, boolean persist, Principal principal, AuditEvent.Type event,
                             ConsentId consent, String detail) {
        if (persist) {
            store.save(grant);
        }
        audit.record(event, grant.key().provider(), principal, grant.scopes(), consent, detail, grant.account());
        return cache.put(grant.key(), grant);
    }

    /** Removes a grant that can no longer be used, and says why in the audit trail. */
    void forget(GrantKey key, StoredGrant grant, AuditEvent.Type type, String detail) {
        cache.remove(key);
        store.delete(key);
        audit.record(type, key.provider(), new Principal(key.user(), key.agent()), grant.scopes(), null, detail);
    }

    /** Removes a grant whose one use has begun (an approval's token, taken by its call): from cache and store. */
    void release(GrantKey key) {
        cache.remove(key);
        store.delete(key);
    }

    /** Drops a rejected grant from cache and store without an audit event: the caller obtains another at once. */
    void drop(GrantKey key, StoredGrant grant) {
        cache.remove(key);
        if (grant != null) {
            store.delete(key);
        }
    }

    /** Lifetimes are capped (ten years) so that no expiry overflows an {@link Instant} or its epoch milliseconds. */
    private static Instant expiresAt(IssuedTokens issued, Provider provider, Instant now) {
        long max = TokenResponseParser.MAX_LIFETIME_SECONDS;
        if (issued.expiresInSeconds() != null) {
            return now.plusSeconds(Math.min(max, Math.max(0, issued.expiresInSeconds())));
        }
        return provider.defaultTokenLifetime().map(d -> now.plusSeconds(Math.min(max, d.getSeconds()))).orElse(null);
    }
}
