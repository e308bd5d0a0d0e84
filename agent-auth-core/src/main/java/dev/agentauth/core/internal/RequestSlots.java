package dev.agentauth.core.internal;

import dev.agentauth.core.TokenRequest;

/**
 * The broker's fast path: the last cached entry served for a request, in a small direct-mapped table indexed by the
 * request's hash. A caller that sends an equal request again — the same object (a tool binding, an MCP session) or one
 * built anew per call (the agent core does) — pays one hash of the request (its components cache theirs or are
 * constants), one equality check (a reference compare when it is the same object) and the entry's volatile flag,
 * instead of hashing and comparing the request's grant key and checking its scopes again.
 *
 * <p>Never {@link System#identityHashCode}: on a request built per call that installs a hash in the object's header,
 * slower than the whole lookup. Slots are immutable and written racily (a lost write only costs the slow path once);
 * an entry that left the cache is {@code gone} and never served from here. Equal requests are for the same principal,
 * provider, scopes and flow, so a slot never serves one user's token to another. Thread-safe, lock-free, no I/O; only
 * a request that comes back gets a slot, allocated once.
 */
final class RequestSlots {

    private record Slot(TokenRequest request, GrantCache.Entry entry) {
    }

    private static final int SIZE = 1024;
    private final Slot[] slots = new Slot[SIZE];
    /** Requests seen once on the slow path. */
    private final TokenRequest[] seen = new TokenRequest[SIZE];

    private static int index(TokenRequest request) {
        int h = request.hashCode();
        return (h ^ (h >>> 16)) & (SIZE - 1);
    }

    /** The entry last served for a request equal to {@code request}, unless it left the cache; else {@code null}. */
    GrantCache.Entry entry(TokenRequest request) {
        Slot slot = slots[index(request)];
        if (slot != null && (slot.request == request || slot.request.equals(request))) {
            GrantCache.Entry e = slot.entry;
            return e.gone ? null : e;
        }
        return null;
    }

    /** {@code entry} was just served for {@code request} on the slow path. */
    void remember(TokenRequest request, GrantCache.Entry entry) {
        int i = index(request);
        Slot current = slots[i];
        if (current != null && current.entry == entry && current.request.equals(request)) {
            return;
        }
        if (request.equals(seen[i])) {
            slots[i] = new Slot(request, entry);
        } else {
            seen[i] = request; // a request asked for once allocates nothing here
        }
    }
}
