package dev.agentauth.agent.internal;

import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.agent.spi.Turn;
import dev.agentauth.agent.spi.TurnScope;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * What each turn's tools did: so an interrupted turn knows which of its tool calls already ran (and keeps their
 * results) and can wait for the ones still running before it repairs chat memory. A turn whose adapter holds a
 * {@link TurnScope} has its journal there (the scope is the journal: no lookup, nothing kept here, nothing to drop).
 * Any other turn's journal is kept here by turn id and dropped when the turn ends ({@link #end}: the framework call
 * returned, or its interrupt settled); journals of turns whose end was never reported are swept once they are 30
 * minutes old and quiet, at most once a minute, so neither memory nor the cost of starting a turn grows with the
 * number of turns served. Thread-safe.
 */
final class TurnJournals {

    private static final Duration JOURNAL_TTL = Duration.ofMinutes(30);

    /** One turn: results by tool call id, and how many calls are still running. */
    static final class Journal implements TurnScope {
        private static final VarHandle IN_FLIGHT;
        private static final VarHandle WAITERS;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                IN_FLIGHT = lookup.findVarHandle(Journal.class, "inFlight", int.class);
                WAITERS = lookup.findVarHandle(Journal.class, "waiters", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** When the journal was made, in epoch milliseconds (0 for a scope: it is never swept). */
        final long created;
        final ConcurrentHashMap<String, ToolResult> completed = new ConcurrentHashMap<>();
        /** How many of the turn's calls are running (VarHandle fields, not atomics: two objects fewer a turn). */
        private volatile int inFlight;
        /** Threads in {@link #awaitQuiet}: a call that leaves takes the monitor only when someone waits. */
        private volatile int waiters;

        Journal(long createdMillis) {
            this.created = createdMillis;
        }

        void entered() {
            IN_FLIGHT.getAndAdd(this, 1);
        }

        void left() {
            // A waiter counts itself before it reads inFlight; this reads waiters after its decrement: one of the two
            // sees the other, so a waiter either sees no call running or is woken here.
            if ((int) IN_FLIGHT.getAndAdd(this, -1) == 1 && waiters > 0) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        /** How many of the turn's calls are running now. */
        int inFlight() {
            return inFlight;
        }

        /** Waits, at most {@code max}, until no tool call of the turn is running. */
        void awaitQuiet(Duration max) {
            WAITERS.getAndAdd(this, 1);
            try {
                awaitCounted(max);
            } finally {
                WAITERS.getAndAdd(this, -1);
            }
        }

        private synchronized void awaitCounted(Duration max) {
            long deadline = System.nanoTime() + max.toNanos();
            while (inFlight > 0) {
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
    private final AtomicLong nextSweep = new AtomicLong();
    private final AtomicInteger sweeps = new AtomicInteger();

    /** Made once: a lambda that reads the clock, not one per call. */
    private final Function<String, Journal> newJournal;

    TurnJournals(Clock clock) {
        this.newJournal = id -> new Journal(clock.millis());
    }


    /** A journal for an adapter to hold as its framework call's {@link TurnScope}: kept nowhere here. */
    TurnScope newScope() {
        return new Journal(0);
    }

    /** The journal of {@code turn}: its scope, when its adapter holds one; else the one kept under its id. */
    Journal of(Turn turn) {
        return turn.scope() instanceof Journal scoped ? scoped : of(turn.id());
    }

    /** The journal of turn {@code turnId}. */
    Journal of(String turnId) {
        // One lookup, the journal made in it when missing (a turn's first tool call).
        Journal journal = journals.computeIfAbsent(turnId, newJournal);
        long due = nextSweep.get();
        // Only a journal made at or after the sweep is due starts one (and only one of those: the CAS moves it on).
        if (journal.created >= due && nextSweep.compareAndSet(due, journal.created + SWEEP_EVERY_MILLIS)) {
            long horizon = journal.created - JOURNAL_TTL.toMillis();
            journals.values().removeIf(j -> j.created < horizon && j.inFlight() == 0);
            sweeps.incrementAndGet();
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
