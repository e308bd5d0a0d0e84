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
 * dropped after 30 minutes. Thread-safe.
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

    TurnJournals(Clock clock) {
        this.clock = clock;
    }

    /** The journal of turn {@code turnId}. */
    Journal of(String turnId) {
        Journal journal = journals.get(turnId);
        if (journal == null) {
            Instant now = clock.instant();
            journal = journals.computeIfAbsent(turnId, k -> new Journal(now));
            if (journals.size() > 64) {
                Instant horizon = now.minus(JOURNAL_TTL);
                journals.values().removeIf(j -> j.created.isBefore(horizon) && j.inFlight.get() == 0);
            }
        }
        return journal;
    }
}
