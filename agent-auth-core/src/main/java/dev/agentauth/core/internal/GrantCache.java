package dev.agentauth.core.internal;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import java.time.Instant;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Predicate;

/**
 * The broker's fast path: a bounded cache — Caffeine, at most {@code maximumSize} grants, so a million users do not
 * grow the heap without limit — of entries whose token never changes, replaced whole. A read
 * is a map lookup and a compare of the clock with the entry's margins; no lock, no I/O, no allocation.
 *
 * <p>A token goes <b>fresh → stale → expired</b> by two margins, as google-auth-library's credentials do: it is
 * <em>expired</em> {@code skew} before its {@code expires_at} (callers then wait for a new one), and <em>stale</em> a
 * refresh-ahead window before that (callers keep getting it at once, and the first of them starts one background
 * renewal). The window is at most half the token's usable lifetime, so a short-lived token is not renewed as soon as it
 * is issued.
 *
 * <p>The race between a reader and a writer replacing an entry is accepted: a reader that sees the old entry gets a
 * token that is still valid for at least the skew, and the next read sees the new one. Thread-safe.
 */
final class GrantCache {

    /** What the fast path reads: an immutable token and its margins, plus the state of one background renewal. */
    static final class Entry {
        private static final AtomicIntegerFieldUpdater<Entry> RENEWING =
                AtomicIntegerFieldUpdater.newUpdater(Entry.class, "renewing");
        private static final long MAX_BACKOFF_MILLIS = 30_000;

        final Scopes scopes;
        final long staleAtMillis;
        final long expiredAtMillis;
        final TokenResult.Granted result;
        /** Whether it can be renewed without the user (a refresh token, or a grant the agent obtains itself). */
        final boolean renewable;
        private volatile int renewing;
        /** Set once the entry left the cache (replaced, removed, evicted): it is no longer served by the fast path. */
        volatile boolean gone;
        private volatile long notBeforeMillis;
        private volatile int failures;

        Entry(Scopes scopes, long staleAtMillis, long expiredAtMillis, TokenResult.Granted result,
              boolean renewable) {
            this.renewable = renewable;
            this.scopes = scopes;
            this.staleAtMillis = staleAtMillis;
            this.expiredAtMillis = expiredAtMillis;
            this.result = result;
        }

        /** Whether the caller at {@code now} is the one to start the renewal: one at a time, after any backoff. */
        boolean claimRenewal(long now) {
            // Read before the CAS: in the stale window every caller comes here, and a failing CAS still takes the
            // cache line exclusively (1,000 callers on one entry).
            return now >= notBeforeMillis && renewing == 0 && RENEWING.compareAndSet(this, 0, 1);
        }

        /**
         * Whether a caller in the stale window has nothing to do: a renewal runs already, or the entry cannot be
         * renewed without the user (it is served until it expires).
         */
        boolean nothingToRenew() {
            return !renewable || renewing != 0;
        }

        /** The renewal failed: the token stays in use, and the next attempt waits 1 s, 2 s, 4 s … at most 30 s. */
        void renewalFailed(long now) {
            int n = failures + 1;
            failures = n;
            notBeforeMillis = now + Math.min(MAX_BACKOFF_MILLIS, 1000L << Math.min(n - 1, 15));
            renewing = 0;
        }

        /** The renewal ended without a result to wait on (the entry was replaced or the broker is closing). */
        void renewalEnded() {
            renewing = 0;
        }

        int failures() {
            return failures;
        }
    }

    private final Cache<GrantKey, Entry> cache;
    private final long skewMillis;
    private final long refreshAheadMillis;

    /** Gives DPoP-bound tokens the prover of the broker's key. */
    private final DpopKeys dpop;

    /**
     * @param maximumSize grants kept in memory at most; past it the ones least likely to be asked for again go
     *                    (W-TinyLFU), and are read from the store again when needed
     */
    GrantCache(long skewMillis, long refreshAheadMillis, long maximumSize, DpopKeys dpop) {
        this.dpop = dpop;
        this.skewMillis = skewMillis;
        this.refreshAheadMillis = refreshAheadMillis;
        // Caffeine, size-bounded only: a read is a hash lookup plus a lossy, buffered access record, never a lock or a
        // clock read (measured: time-based expiry would add ~30 ns per cached call for its clock reads).
        this.cache = Caffeine.newBuilder().maximumSize(maximumSize)
                .executor(Runnable::run)
                // Whatever takes an entry out of the cache (replacement, removal, eviction) retires it for the
                // fast path of DefaultTokenBroker (RequestSlots) too.
                .removalListener((GrantKey k, Entry e, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                    if (e != null) {
                        e.gone = true;
                    }
                })
                .build();
    }

    /** The entry for {@code key} when it covers the request's scopes (fresh, stale or expired: the caller decides). */
    Entry entry(GrantKey key, TokenRequest request, Provider provider) {
        Entry e = cache.getIfPresent(key);
        return e != null && satisfies(e.scopes, request, provider) ? e : null;
    }

    /** How many grants are in memory now (after pending evictions). */
    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** Caches {@code grant} under {@code key} (which differs from the grant's own key for shared API keys). */
    TokenResult.Granted put(GrantKey key, StoredGrant grant) {
        // A DPoP-bound token carries the prover of the broker's key (RFC 9449), once per cached entry.
        AccessToken token = new AccessToken(grant.accessToken(), grant.tokenType(), grant.scopes(), grant.expiresAt(),
                key.provider(), "DPoP".equalsIgnoreCase(grant.tokenType()) ? dpop.prover() : null);
        TokenResult.Granted result = new TokenResult.Granted(token);
        // A user's grant without a refresh token cannot be renewed ahead: only the user can, once it has expired.
        boolean renewable = !key.flow().asksUser() || grant.refreshToken() != null;
        Entry previous = cache.asMap().put(key, new Entry(grant.scopes(), staleAt(grant.expiresAt(),
                grant.updatedAt()), expiredAt(grant.expiresAt()), result, renewable));
        if (previous != null) {
            previous.gone = true; // at once, not only when the removal listener runs
        }
        return result;
    }

    void remove(GrantKey key) {
        Entry e = cache.asMap().remove(key);
        if (e != null) {
            e.gone = true;
        }
    }

    void removeIf(Predicate<GrantKey> which) {
        cache.asMap().entrySet().removeIf(en -> {
            if (which.test(en.getKey())) {
                en.getValue().gone = true;
                return true;
            }
            return false;
        });
    }

    /** When a token expiring at {@code expiresAt} counts as expired: {@code skew} before it; never, without expiry. */
    long expiredAt(Instant expiresAt) {
        return expiresAt == null ? Long.MAX_VALUE : expiresAt.toEpochMilli() - skewMillis;
    }

    /** When it goes stale: the refresh-ahead window before it expires, at most half its usable lifetime. */
    long staleAt(Instant expiresAt, Instant issuedAt) {
        if (expiresAt == null) {
            return Long.MAX_VALUE;
        }
        long expired = expiredAt(expiresAt);
        long usable = Math.max(0, expired - issuedAt.toEpochMilli());
        return expired - Math.min(refreshAheadMillis, usable / 2);
    }

    /** Whether {@code granted} covers what the request asks for, the provider's default scopes included. */
    static boolean satisfies(Scopes granted, TokenRequest request, Provider provider) {
        return granted.containsAll(request.scopes()) && granted.containsAll(provider.defaultScopes());
    }
}
