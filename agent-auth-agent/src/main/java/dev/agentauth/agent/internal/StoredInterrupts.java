package dev.agentauth.agent.internal;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.InterruptClaim;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.StoredInterrupt;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where settled interrupts live: the {@link InterruptStore} (shared by replicas, kept across restarts), as payloads
 * {@link InterruptCodec} writes, resumed under the store's claims ({@link InterruptStore#claimInterrupt}).
 *
 * <p><b>An outage.</b> An interrupt the store refuses (a database that is down, or a save whose acknowledgement was
 * lost) is kept in this process: its card is shown here, and a background task saves it as soon as the store answers
 * again — without waiting for anything else to happen here, so other replicas see it soon after the store is back.
 * It is never resumed from this process's copy: the save may have reached the store after all (a lost
 * acknowledgement), and another replica may have resumed it there; so a resume needs the store, and a save is
 * idempotent (it never re-creates an interrupt that was resumed). Until the store is back, a resume is refused as
 * retryable ({@link StoreUnavailableException}). Thread-safe; blocks on the store.
 */
final class StoredInterrupts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StoredInterrupts.class);
    private static final long FIRST_FLUSH_MILLIS = 500;
    private static final long MAX_FLUSH_MILLIS = 10_000;

    private final InterruptStore store;
    private final InterruptCodec codec;
    private final Clock clock;
    private final Duration retention;
    private final AtomicLong nextPurge = new AtomicLong();
    /** Interrupts the store refused, kept here until it takes them. */
    private final ConcurrentHashMap<String, StoredInterrupt> unsaved = new ConcurrentHashMap<>();
    private ScheduledExecutorService flusher;
    private boolean flushScheduled;
    private boolean closed;

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
        try {
            store.saveInterrupt(stored);
        } catch (AgentAuthException e) {
            // The turn is not lost: its card is shown here, and it is saved once the store is back.
            log.warn("interrupt {}: the interrupt store failed ({}); kept in this process and saved when it is back",
                    state.id, e.getClass().getSimpleName());
            unsaved.put(state.id, stored);
            scheduleFlush(FIRST_FLUSH_MILLIS);
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
        List<ConsentInterrupt> open = new ArrayList<>();
        for (StoredInterrupt stored : all) {
            // A card being resumed right now is not shown; one whose resumer died (its lease ran out) is, again.
            if (stored.purgeAt().isBefore(now) || !stored.resumable(now)) {
                continue;
            }
            try {
                open.add(decode(stored).snapshot);
            } catch (AgentAuthException e) {
                // One unreadable interrupt never hides the user's others.
                log.warn("interrupt {} of {} cannot be read and is not shown: {}", stored.id(), user, e.getMessage());
            }
        }
        return open;
    }

    /**
     * The interrupt's state as stored (any state; {@link InterruptRegistry.Interrupted#stored} says which), or
     * {@code null} when there is none or it is past its retention.
     *
     * @throws StoreIntegrityException its stored row was altered
     */
    InterruptRegistry.Interrupted find(String id) {
        flushUnsaved();
        StoredInterrupt local = unsaved.get(id);
        Optional<StoredInterrupt> stored = local != null ? Optional.of(local) : store.findInterrupt(id);
        if (stored.isEmpty() || stored.get().purgeAt().isBefore(clock.instant())) {
            return null;
        }
        InterruptRegistry.Interrupted state = decode(stored.get());
        state.stored = stored.get();
        return state;
    }

    /**
     * Claims {@code state} for a resume by {@code owner} under a lease of {@code lease}; empty when another resume
     * holds it or it is done. Needs the store: a copy kept here during an outage is saved first, never resumed from
     * here.
     *
     * @throws StoreUnavailableException the store is (still) unreachable
     */
    Optional<InterruptClaim> claim(InterruptRegistry.Interrupted state, String owner, Duration lease) {
        if (unsaved.containsKey(state.id)) {
            throw new StoreUnavailableException("interrupt " + state.id + " waits in this process for the interrupt"
                    + " store, which is unavailable; it resumes once the store is back: try again in a moment", null);
        }
        Instant now = clock.instant();
        return store.claimInterrupt(state.id, owner, now, now.plus(lease));
    }

    /** Extends {@code claim}'s lease, recording {@code progress} when given; {@code false} when it was taken over. */
    boolean renew(InterruptClaim claim, Duration lease, String progress) {
        return store.renewInterrupt(claim, clock.instant().plus(lease), progress);
    }

    boolean finish(InterruptClaim claim) {
        return store.finishInterrupt(claim);
    }

    boolean release(InterruptClaim claim) {
        return store.releaseInterrupt(claim);
    }

    private InterruptRegistry.Interrupted decode(StoredInterrupt stored) {
        return codec.decode(stored, new TurnJournals.Journal(stored.createdAt().toEpochMilli()));
    }

    private void flushUnsaved() {
        for (StoredInterrupt s : unsaved.values()) {
            try {
                store.saveInterrupt(s); // idempotent: a copy that reached the store after all changes nothing there
                unsaved.remove(s.id(), s);
                log.info("interrupt {}: saved to the interrupt store, which is back", s.id());
            } catch (AgentAuthException e) {
                return; // still down: keep them all
            }
        }
    }

    private synchronized void scheduleFlush(long delayMillis) {
        if (closed || flushScheduled) {
            return;
        }
        if (flusher == null) {
            flusher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "agent-auth-interrupt-flush");
                t.setDaemon(true);
                return t;
            });
        }
        flushScheduled = true;
        flusher.schedule(() -> backgroundFlush(delayMillis), delayMillis, TimeUnit.MILLISECONDS);
    }

    private void backgroundFlush(long lastDelay) {
        synchronized (this) {
            flushScheduled = false;
        }
        flushUnsaved();
        if (!unsaved.isEmpty()) {
            scheduleFlush(Math.min(MAX_FLUSH_MILLIS, lastDelay * 2));
        }
    }

    /** Stops the background flush after one last attempt; what the store still refuses is lost with the process. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (flusher != null) {
                flusher.shutdownNow();
            }
        }
        flushUnsaved();
        if (!unsaved.isEmpty()) {
            log.warn("{} interrupt(s) never reached the interrupt store and are lost with this agent: {}",
                    unsaved.size(), unsaved.keySet());
        }
    }
}
