package dev.agentauth.core.internal;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With a store shared by replicas, the OAuth callback of a consent this broker started may reach another replica. That
 * replica records the {@link ConsentOutcome} in the store; this watcher polls the store for it while someone here
 * waits, and finishes the local waiters: with the token (read from the stored grant and cached) or with the failure.
 *
 * <p>One daemon thread per broker ({@code agent-auth-consent-watcher}), started on the first wait and stopped by
 * {@link #close()}; each watched consent costs one store read per interval, until it ends or its wait times out.
 * Store failures while polling are logged and retried at the next tick. Thread-safe.
 */
final class ConsentOutcomeWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsentOutcomeWatcher.class);

    private final TokenStore store;
    private final Duration interval;
    private final Function<StoredGrant, AccessToken> cacheGrant;
    private final Consumer<ConsentId> forgetPending;
    private final Set<ConsentId> watched = ConcurrentHashMap.newKeySet();
    private final DaemonScheduler scheduler = new DaemonScheduler("agent-auth-consent-watcher");

    /**
     * @param cacheGrant    turns the stored grant into the token and puts it in the broker's cache
     * @param forgetPending drops the broker's record of the consent as pending
     */
    ConsentOutcomeWatcher(TokenStore store, Duration interval, Function<StoredGrant, AccessToken> cacheGrant,
                          Consumer<ConsentId> forgetPending) {
        this.store = store;
        this.interval = interval;
        this.cacheGrant = cacheGrant;
        this.forgetPending = forgetPending;
    }

    /** Completes {@code future} from the store when another replica ends consent {@code id}; gives up after {@code wait}. */
    void watch(ConsentId id, Duration wait, CompletableFuture<AccessToken> future) {
        if (future.isDone() || !watched.add(id)) {
            return;
        }
        schedule(id, System.nanoTime() + wait.toNanos(), future);
    }

    private void schedule(ConsentId id, long deadlineNanos, CompletableFuture<AccessToken> future) {
        ScheduledExecutorService s = scheduler();
        if (s == null) {
            watched.remove(id);
            return;
        }
        try {
            s.schedule(() -> check(id, deadlineNanos, future), interval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            watched.remove(id); // closed meanwhile
        }
    }

    private void check(ConsentId id, long deadlineNanos, CompletableFuture<AccessToken> future) {
        if (future.isDone() || System.nanoTime() - deadlineNanos > 0) {
            watched.remove(id);
            return;
        }
        try {
            Optional<ConsentOutcome> outcome = store.findConsentOutcome(id);
            if (outcome.isPresent()) {
                finish(outcome.get(), future);
                watched.remove(id);
                return;
            }
        } catch (AgentAuthException e) {
            log.debug("consent {}: polling the store for its outcome failed, retrying: {}", id, e.getMessage());
        }
        schedule(id, deadlineNanos, future);
    }

    /** Finishes {@code future} as {@code outcome} says: with the stored grant's token, or the failure. */
    void finish(ConsentOutcome outcome, CompletableFuture<AccessToken> future) {
        forgetPending.accept(outcome.id());
        String provider = outcome.key().provider().value();
        if (outcome.status() == ConsentOutcome.Status.COMPLETED) {
            Optional<StoredGrant> grant;
            try {
                grant = store.find(outcome.key());
            } catch (dev.agentauth.core.StoreIntegrityException e) {
                grant = Optional.empty(); // never served: as good as removed
            }
            if (grant.isPresent()) {
                log.info("consent {} completed on another replica: {} for {}", outcome.id(), provider,
                        outcome.principal());
                future.complete(cacheGrant.apply(grant.get()));
            } else {
                future.completeExceptionally(new ConsentFailedException(outcome.id(),
                        ConsentFailedException.Reason.UNKNOWN, "consent " + outcome.id() + " for " + provider
                        + " completed on another replica, but its grant was removed since; request the token again",
                        outcome.key().provider(), outcome.principal(), null));
            }
            return;
        }
        ConsentFailedException.Reason reason = switch (outcome.status()) {
            case DENIED -> ConsentFailedException.Reason.DENIED;
            case EXPIRED -> ConsentFailedException.Reason.EXPIRED;
            default -> ConsentFailedException.Reason.REJECTED;
        };
        log.info("consent {} ended on another replica: {} ({})", outcome.id(), outcome.status(),
                outcome.errorCode());
        future.completeExceptionally(new ConsentFailedException(outcome.id(), reason, "consent " + outcome.id()
                + " for " + provider + " ended on another replica: " + outcome.status().name().toLowerCase()
                + (outcome.errorCode() != null ? " (" + outcome.errorCode() + ")" : "") + "; request the token again",
                outcome.key().provider(), outcome.principal(),
                outcome.status() == ConsentOutcome.Status.DENIED ? outcome.errorCode() : null));
    }

    private ScheduledExecutorService scheduler() {
        return scheduler.get();
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
