package dev.agentauth.tools.internal;

import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.service.tool.ToolExecutionResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What each AI-service turn's tools did, by invocation id: so an interrupted turn knows which of its tool calls already
 * ran (and keeps their results) and can wait for the ones still running before it repairs chat memory. Journals of
 * quiet turns are dropped after 30 minutes. Thread-safe.
 */
final class TurnJournals {

    private static final Duration JOURNAL_TTL = Duration.ofMinutes(30);

    /** One turn: results by tool call id, and how many calls are still running. */
    static final class Journal {
        final Instant created;
        final ConcurrentHashMap<String, ToolExecutionResult> completed = new ConcurrentHashMap<>();
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

    private final ConcurrentHashMap<UUID, Journal> journals = new ConcurrentHashMap<>();
    private final Clock clock;

    TurnJournals(Clock clock) {
        this.clock = clock;
    }

    /** The turn's journal, by the invocation id LangChain4j gives each AI-service call. */
    Journal of(InvocationContext context) {
        UUID id = invocationId(context);
        Journal journal = journals.get(id);
        if (journal == null) {
            Instant now = clock.instant();
            journal = journals.computeIfAbsent(id, k -> new Journal(now));
            if (journals.size() > 64) {
                Instant horizon = now.minus(JOURNAL_TTL);
                journals.values().removeIf(j -> j.created.isBefore(horizon) && j.inFlight.get() == 0);
            }
        }
        return journal;
    }

    static UUID invocationId(InvocationContext context) {
        return context.invocationId() != null ? context.invocationId() : new UUID(0, 0);
    }
}
