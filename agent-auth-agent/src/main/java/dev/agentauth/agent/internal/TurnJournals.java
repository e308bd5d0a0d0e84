package dev.agentauth.agent.internal;

import dev.agentauth.agent.spi.ToolResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What each turn's tools did, by turn id: so an interrupted turn knows which of its tool calls already ran (and keeps
 * their results) and can wait for the ones still running before it repairs chat memory. Journals of quiet turns are
 * dropped after 30 minutes, by a sweep whose threshold doubles with what it leaves (constant cost per turn). Thread-safe.
 */
final class TurnJournals {

    private static final Duration JOURNAL_TTL = Duration.ofMinutes(30);

    /** One turn: results by tool call id, and how many calls are still running. */
    static final class Journal {
        final Instant created;
        final ConcurrentHashMap<String, ToolResult> completed = new ConcurrentHashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();

        Journal(Instant created) {
            this.created = created;
        }

        void entered() {
            inFlight.incrementAndGet();
        }

        synchronized void left() {
            if (inFlight.decrementAndGet() == 0) {
                notifyAll();
            }
        }

        /** Waits, at most {@code max}, until no tool call of the turn is running. */
        synchronized void awaitQuiet(Duration max) {
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

    private final ConcurrentHashMap<String, Journal> journals = new ConcurrentHashMap<>();
    private final Clock clock;
    /**
     * How many journals there may be before the next sweep for quiet ones. It doubles past what a sweep leaves, so a
     * turn's cost stays constant however many turns the last half hour had (a sweep on every new turn past 64 made
     * each turn scan them all).
     */
    private final java.util.concurrent.atomic.AtomicInteger sweepAt = new java.util.concurrent.atomic.AtomicInteger(64);

    TurnJournals(Clock clock) {
        this.clock = clock;
    }

    /** How many journals are kept now. */
    int size() {
        return journals.size();
    }

    /** The journal of turn {@code turnId}. */
    Journal of(String turnId) {
        Journal journal = journals.get(turnId);
        if (journal == null) {
            Instant now = clock.instant();
            journal = journals.computeIfAbsent(turnId, k -> new Journal(now));
            int due = sweepAt.get();
            if (journals.size() > due && sweepAt.compareAndSet(due, Integer.MAX_VALUE)) {
                Instant horizon = now.minus(JOURNAL_TTL);
                journals.values().removeIf(j -> j.created.isBefore(horizon) && j.inFlight.get() == 0);
                sweepAt.set(Math.max(64, 2 * journals.size()));
            }
        }
        return journal;
    }
}
