package dev.agentauth.core.internal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One daemon scheduling thread, started on first use and stopped for good by {@link #close()}: the broker's
 * background pollers (consent outcomes of other replicas, device authorizations) each own one. Thread-safe.
 */
final class DaemonScheduler implements AutoCloseable {

    private final String threadName;
    private ScheduledExecutorService scheduler;
    private boolean closed;

    DaemonScheduler(String threadName) {
        this.threadName = threadName;
    }

    /** The scheduler, started now if need be; {@code null} once closed. */
    synchronized ScheduledExecutorService get() {
        if (closed) {
            return null;
        }
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
            });
        }
        return scheduler;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
