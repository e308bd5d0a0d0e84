package dev.agentauth.agent.internal;

import dev.agentauth.agent.spi.ToolResult;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each turn's tools did, by turn id: so an interrupted turn knows which of its tool calls already ran (and keeps
 * their results) and can wait for the ones still running before it repairs chat memory. A journal is dropped when its
 * turn ends ({@link #end}: the framework call returned, or its interrupt settled); journals of turns whose end was
 * never reported are swept once they are 30 minutes old and quiet, at most once a minute, so neither memory nor the
 * cost of starting a turn grows with the number of turns served. Thread-safe.
 */
final class TurnJournals {

    private static final Duration JOURNAL_TTL = Duration.ofMinutes(30);

    /** One turn: results by tool call id, and how many calls are still running. */
    static final class Journal {
        /** When the journal was made, in epoch milliseconds. */
        final long created;
        final ConcurrentHashMap<String, ToolResult> completed = new ConcurrentHashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();
        /** Threads in {@link #awaitQuiet}: a call that leaves takes the monitor only when someone waits. */
        private final AtomicInteger waiters = new AtomicInteger();

        Journal(long createdMillis) {
            this.created = createdMillis;
        }

        void entered() {
            inFlight.incrementAndGet();
        }

        void left() {
            // A waiter counts itself before it reads inFlight; this reads waiters after its decrement: one of the two
            // sees the other, so a waiter either sees no call running or is woken here.
            if (inFlight.decrementAndGet() == 0 && waiters.get() > 0) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        /** Waits, at most {@code max}, until no tool call of the turn is running. */
        void awaitQuiet(Duration max) {
            waiters.incrementAndGet();
            try {
                awaitCounted(max);
            } finally {
                waiters.decrementAndGet();
            }
        }

        private synchronized void awaitCounted(Duration max) {
            long deadline = System.nanoTime() + max.toNanos();
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static final long SWEEP_EVERY_MILLIS = 60_000;

    private final ConcurrentHashMap<String, Journal> journals = new ConcurrentHashMap<>();
    private final Clock clock;
    private final AtomicLong nextSweep = new AtomicLong();
    private final AtomicInteger sweeps = new AtomicInteger();

    TurnJournals(Clock clock) {
        this.clock = clock;
    }


    /** The journal of turn {@code turnId}. */
    Journal of(String turnId) {
        Journal journal = journals.get(turnId);
        if (journal == null) {
            long millis = clock.millis();
            journal = journals.computeIfAbsent(turnId, k -> new Journal(millis));
            long due = nextSweep.get();
            if (millis >= due && nextSweep.compareAndSet(due, millis + SWEEP_EVERY_MILLIS)) {
                long horizon = millis - JOURNAL_TTL.toMillis();
                journals.values().removeIf(j -> j.created < horizon && j.inFlight.get() == 0);
                sweeps.incrementAndGet();
            }
        }
        return journal;
    }

    /** Turn {@code turnId} ended: its journal goes (an interrupt that settled keeps its own reference to it). */
    void end(String turnId) {
        journals.remove(turnId);
    }

    /** How many sweeps ran (each scans every journal kept). */
    int sweeps() {
        return sweeps.get();
    }

    /** How many journals are kept: turns running, interrupted and not yet settled, or whose end was not reported. */
    int size() {
        return journals.size();
    }
}
