package dev.agentauth.core.internal;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The broker's fast path: one {@link ConcurrentHashMap} of immutable entries, replaced whole. A read is a map lookup and
 * a compare of the clock with the entry's stale instant; no lock, no I/O, no allocation.
 *
 * <p>The race between a reader and a writer replacing an entry is accepted: a reader that sees the old entry gets a
 * token that is still valid (entries go stale {@code skew} before their expiry), and the next read sees the new one.
 * Thread-safe.
 */
final class GrantCache {

    /** What the fast path reads. */
    private record Entry(Scopes scopes, long staleAtMillis, TokenResult.Granted result) {
    }

    private final ConcurrentHashMap<GrantKey, Entry> entries = new ConcurrentHashMap<>();
    private final long skewMillis;

    GrantCache(long skewMillis) {
        this.skewMillis = skewMillis;
    }

    /** The cached answer for {@code key} when it is not stale at {@code nowMillis} and covers the request's scopes. */
    TokenResult.Granted fresh(GrantKey key, long nowMillis, TokenRequest request, Provider provider) {
        Entry e = entries.get(key);
        if (e != null && nowMillis < e.staleAtMillis() && satisfies(e.scopes(), request, provider)) {
            return e.result();
        }
        return null;
    }

    /** Caches {@code grant} under {@code key} (which differs from the grant's own key for shared API keys). */
    TokenResult.Granted put(GrantKey key, StoredGrant grant) {
        AccessToken token = new AccessToken(grant.accessToken(), grant.tokenType(), grant.scopes(), grant.expiresAt(),
                key.provider());
        long staleAt = grant.expiresAt() == null ? Long.MAX_VALUE : grant.expiresAt().toEpochMilli() - skewMillis;
        TokenResult.Granted result = new TokenResult.Granted(token);
        entries.put(key, new Entry(grant.scopes(), staleAt, result));
        return result;
    }

    void remove(GrantKey key) {
        entries.remove(key);
    }

    void removeIf(Predicate<GrantKey> which) {
        entries.keySet().removeIf(which);
    }

    /** Whether {@code granted} covers what the request asks for, the provider's default scopes included. */
    static boolean satisfies(Scopes granted, TokenRequest request, Provider provider) {
        return granted.containsAll(request.scopes()) && granted.containsAll(provider.defaultScopes());
    }
}
