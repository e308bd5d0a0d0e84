package dev.agentauth.tools.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.tools.ConsentInterrupt;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where settled interrupts live: the {@link InterruptStore} (shared by replicas, kept across restarts), as payloads
 * {@link InterruptCodec} writes. An interrupt the store refuses (a database that is down) is kept in this process —
 * shown, resumed, declined here — and saved as soon as the store answers again. Thread-safe; blocks on the store.
 */
final class StoredInterrupts {

    private static final Logger log = LoggerFactory.getLogger(StoredInterrupts.class);

    private final InterruptStore store;
    private final InterruptCodec codec;
    private final Clock clock;
    private final Duration retention;
    private final AtomicLong nextPurge = new AtomicLong();
    /** Interrupts the store refused, kept here: saved as soon as it takes them again. */
    private final ConcurrentHashMap<String, StoredInterrupt> unsaved = new ConcurrentHashMap<>();

    StoredInterrupts(InterruptStore store, InterruptCodec codec, Clock clock, Duration retention) {
        this.store = store;
        this.codec = codec;
        this.clock = clock;
        this.retention = retention;
    }

    /**
     * Stores a settled interrupt, so any replica sharing the store can show, resume or decline it. Expired interrupts
     * are purged at most once a minute on the way.
     */
    void save(InterruptRegistry.Interrupted state) {
        Instant now = clock.instant();
        StoredInterrupt stored = new StoredInterrupt(state.id, state.principal.user(), state.principal.agent(), now,
                state.snapshot.expiresAt().plus(retention), codec.encode(state));
        flushUnsaved();
        try {
            store.saveInterrupt(stored);
        } catch (AgentAuthException e) {
            // The turn is not lost: this process keeps it (and shows, resumes, declines it) until the store is back.
            log.warn("interrupt {}: the interrupt store failed ({}); kept in this process until it is back",
                    state.id, e.getClass().getSimpleName());
            unsaved.put(state.id, stored);
        }
        long due = nextPurge.get();
        if (now.toEpochMilli() >= due && nextPurge.compareAndSet(due, now.toEpochMilli() + 60_000)) {
            try {
                store.purgeExpiredInterrupts(now);
            } catch (RuntimeException e) {
                log.debug("purging expired interrupts failed: {}", e.getMessage());
            }
        }
    }

    /** {@code user}'s open interrupts, oldest first: the cards a chat shows again after a reload. */
    List<ConsentInterrupt> pending(String user) {
        Instant now = clock.instant();
        List<ConsentInterrupt> open = new ArrayList<>();
        flushUnsaved();
        List<StoredInterrupt> all = new ArrayList<>();
        unsaved.values().stream().filter(i -> i.user().equals(user)).forEach(all::add);
        try {
            all.addAll(store.findInterruptsByUser(user));
        } catch (AgentAuthException e) {
            if (all.isEmpty()) {
                throw e;
            }
            log.warn("open interrupts of {}: the interrupt store failed ({}); showing those kept in this process",
                    user, e.getClass().getSimpleName());
        }
        for (StoredInterrupt stored : all) {
            if (!stored.purgeAt().isBefore(now)) {
                open.add(decode(stored).snapshot);
            }
        }
        return open;
    }

    /** The stored interrupt's state, or {@code null} when there is none (or it is past its retention). */
    InterruptRegistry.Interrupted find(String id) {
        flushUnsaved();
        StoredInterrupt local = unsaved.get(id);
        Optional<StoredInterrupt> stored = local != null ? Optional.of(local) : store.findInterrupt(id);
        if (stored.isEmpty() || stored.get().purgeAt().isBefore(clock.instant())) {
            return null;
        }
        return decode(stored.get());
    }

    private InterruptRegistry.Interrupted decode(StoredInterrupt stored) {
        return codec.decode(stored, new TurnJournals.Journal(stored.createdAt()));
    }

    /** Removes {@code state} from the store; of concurrent callers on every replica, exactly one gets {@code true}. */
    boolean take(InterruptRegistry.Interrupted state) {
        return unsaved.remove(state.id) != null || store.takeInterrupt(state.id).isPresent();
    }

    private void flushUnsaved() {
        for (StoredInterrupt s : unsaved.values()) {
            try {
                store.saveInterrupt(s);
                unsaved.remove(s.id(), s);
                log.info("interrupt {}: saved to the interrupt store, which is back", s.id());
            } catch (AgentAuthException e) {
                return; // still down: keep them all
            }
        }
    }
}
