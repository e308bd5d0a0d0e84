package dev.agentauth.store.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/** Callers racing for one thing, released at once. */
final class Races {

    static final int CALLERS = 8;

    private Races() {
    }

    /** How many of {@link #CALLERS} racing callers {@code attempt} says won. */
    static int winners(IntPredicate attempt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                int caller = i;
                results.add(pool.submit(() -> {
                    go.await();
                    return attempt.test(caller);
                }));
            }
            go.countDown();
            int winners = 0;
            for (Future<Boolean> f : results) {
                winners += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            return winners;
        } finally {
            pool.shutdownNow();
        }
    }
}
