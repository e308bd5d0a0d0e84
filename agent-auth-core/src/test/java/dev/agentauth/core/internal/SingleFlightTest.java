package dev.agentauth.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SingleFlightTest {

    @Test
    void runWhenConcurrentCallersThenOneExecutionSharedOutcome() throws Exception {
        SingleFlight<String, Integer> flight = new SingleFlight<>();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Future<Integer> leader = pool.submit(() -> flight.run("k", () -> {
            runs.incrementAndGet();
            inside.countDown();
            await(release);
            return 42;
        }));
        inside.await();
        java.util.List<Future<Integer>> followers = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            followers.add(pool.submit(() -> flight.run("k", () -> {
                runs.incrementAndGet();
                return -1;
            })));
        }
        while (!flight.isRunning("k")) {
            Thread.onSpinWait();
        }
        Thread.sleep(50); // give followers time to join; correctness does not depend on it
        release.countDown();

        assertThat(leader.get()).isEqualTo(42);
        for (Future<Integer> f : followers) {
            assertThat(f.get()).isIn(42, -1);
        }
        assertThat(flight.isRunning("k")).isFalse();
        pool.shutdown();
    }

    @Test
    void runWhenWorkThrowsThenExceptionPropagatesAndKeyFreed() {
        SingleFlight<String, Integer> flight = new SingleFlight<>();
        assertThatThrownBy(() -> flight.run("k", () -> {
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        assertThat(flight.run("k", () -> 1)).isEqualTo(1);
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
