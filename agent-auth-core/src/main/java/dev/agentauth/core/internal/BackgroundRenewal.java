package dev.agentauth.core.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews stale tokens ahead of their expiry, off the callers' threads: the first caller to find a stale entry claims
 * it and submits one renewal — the grant's own {@link GrantPolicy#obtain}, in its single flight — while every caller
 * keeps getting the still-valid token. A failed renewal leaves the token in use and is retried with backoff; only an
 * expired token makes callers wait. Runs on the executor the builder was given, or on two daemon threads of its own.
 * Thread-safe; never blocks the caller.
 */
final class BackgroundRenewal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BackgroundRenewal.class);

    private final Executor executor;
    private final ExecutorService owned;
    private final Clock clock;

    BackgroundRenewal(Executor supplied, Clock clock) {
        this.clock = clock;
        if (supplied != null) {
            this.executor = supplied;
            this.owned = null;
        } else {
            AtomicInteger n = new AtomicInteger();
            java.util.concurrent.ThreadPoolExecutor pool = (java.util.concurrent.ThreadPoolExecutor)
                    Executors.newFixedThreadPool(2, r -> {
                        Thread t = new Thread(r, "agent-auth-refresh-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            // Started now, not by the first stale caller: starting a thread waits until the new thread has run, which
            // under load (1,000 callers on 2 cores, measured) kept that one caller 0.6–1.4 s.
            pool.prestartAllCoreThreads();
            this.owned = pool;
            this.executor = owned;
        }
    }

    /** Called by a caller that found {@code entry} stale at {@code now}; starts a renewal unless one is running. */
    void staleEntry(GrantCache.Entry entry, long now, GrantPolicy policy, TokenRequest request, ProviderClient client,
                    GrantKey key) {
        if (!entry.claimRenewal(now)) {
            return;
        }
        try {
            executor.execute(() -> renew(entry, policy, request, client, key));
        } catch (RejectedExecutionException e) {
            entry.renewalEnded(); // closing, or an executor that is full: callers renew when the token expires
        }
    }

    private void renew(GrantCache.Entry entry, GrantPolicy policy, TokenRequest request, ProviderClient client,
                       GrantKey key) {
        try {
            TokenResult result = policy.obtain(request, client, key);
            entry.renewalEnded();
            if (result instanceof TokenResult.ConsentRequired) {
                log.info("provider {}: the grant of {} could not be renewed ahead of expiry; consent is needed",
                        client.id(), request.principal());
            }
        } catch (RuntimeException e) {
            entry.renewalFailed(clock.millis());
            log.warn("provider {}: renewing the token of {} ahead of expiry failed ({} time(s)); the current token"
                    + " stays in use and renewal is retried: {}", client.id(), request.principal(), entry.failures(),
                    e instanceof AgentAuthException ? e.getMessage() : e.getClass().getName());
        }
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.shutdownNow();
        }
    }
}
