package dev.agentauth.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Turn journals: quiet ones dropped after half an hour by a sweep that runs at most once a minute, so a turn's cost
 * does not grow with how many turns there were.
 */
class TurnJournalsTest {

    static final class SettableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @Test
    void journalsWhenManyTurnsWithinAMinuteThenOneSweepScansThem() {
        // Before, every turn past the 64th swept every journal: 60,000 turns scanned about 1.8 billion of them.
        SettableClock clock = new SettableClock();
        TurnJournals journals = new TurnJournals(clock);
        for (int i = 0; i < 60_000; i++) {
            journals.of("turn-" + i);
        }
        assertThat(journals.size()).isEqualTo(60_000);
        assertThat(journals.sweeps()).isEqualTo(1);
        clock.now.set(clock.now.get().plus(Duration.ofSeconds(61)));
        for (int i = 0; i < 60_000; i++) {
            journals.of("later-" + i);
        }
        assertThat(journals.sweeps()).isEqualTo(2);
    }

    @Test
    void journalsWhenQuietForHalfAnHourThenDroppedButOneInFlightIsKept() {
        SettableClock clock = new SettableClock();
        TurnJournals journals = new TurnJournals(clock);
        TurnJournals.Journal running = journals.of("running");
        running.entered();
        for (int i = 0; i < 200; i++) {
            journals.of("old-" + i);
        }
        clock.now.set(clock.now.get().plus(Duration.ofMinutes(31)));
        for (int i = 0; i < 500; i++) {
            journals.of("new-" + i);
        }
        assertThat(journals.size()).as("the old quiet ones swept, the running one and the new ones kept")
                .isEqualTo(501);
        assertThat(journals.of("running")).isSameAs(running);
    }
}
