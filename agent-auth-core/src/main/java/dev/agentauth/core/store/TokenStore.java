package dev.agentauth.core.store;

import dev.agentauth.core.ConsentId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where grants and pending consents live. The broker keeps a lock-free in-memory cache in front of the store, so a
 * store is read only when a token is missing, stale or being refreshed.
 *
 * <p><b>Contract.</b> Implementations must be thread-safe. Every method may block on I/O. {@link #save} replaces the
 * whole grant atomically (a reader sees the old grant or the new one, never a mix, so a rotated refresh token is never
 * lost). {@link #takeConsent} removes and returns atomically: of two concurrent callers with one state, at most one
 * receives the consent. Failures are thrown as {@link dev.agentauth.core.AgentAuthException}; when the store is
 * unreachable, as {@link dev.agentauth.core.StoreUnavailableException} ({@code retryable() == true}).
 *
 * <p><b>Several processes.</b> A store that several brokers in several processes share (replicas on one database)
 * returns {@code true} from {@link #sharedAcrossProcesses()}, serializes {@link #withGrantLock} across all of them,
 * and keeps {@linkplain #saveConsentOutcome consent outcomes} so that a callback handled by one replica finishes the
 * waiters of another. The defaults suit a store used by one process: the broker's in-process single flight is enough.
 *
 * <p>Implementations: {@link #inMemory()}, and the encrypted embedded and PostgreSQL stores of
 * {@link dev.agentauth.core.store.jdbc.TokenStores}. Every store passes the same contract test suite.
 */
public interface TokenStore extends AutoCloseable {

    /** The grant stored under {@code key}. */
    Optional<StoredGrant> find(GrantKey key);

    /** Stores {@code grant}, replacing any grant under the same key. */
    void save(StoredGrant grant);

    /** Removes the grant under {@code key}; whether there was one. */
    boolean delete(GrantKey key);

    /** Every grant of {@code user}, for every provider and agent. */
    List<StoredGrant> findByUser(String user);

    /** Stores a pending consent. */
    void saveConsent(PendingConsent consent);

    /** Removes and returns the pending consent whose state has this digest (single use). */
    Optional<PendingConsent> takeConsent(String stateDigest);

    /** The pending consent with this id, without removing it. */
    Optional<PendingConsent> findConsent(ConsentId id);

    /** Removes pending consents that expired before {@code now}, and consent outcomes past their expiry; how many
     * pending consents. */
    int purgeExpiredConsents(Instant now);

    /**
     * Runs {@code work} while holding the lock of one grant, and returns its result. The broker refreshes or obtains a
     * grant inside this lock, after reading the grant again, so that of any number of brokers sharing the store, one
     * asks the provider and the others find its result (single flight across replicas; a rotated refresh token is
     * never overwritten by a stale one).
     *
     * <p>Contract: at most one {@code work} per key runs at a time among every user of the store; the lock is released
     * when {@code work} returns or throws, and also when the process holding it dies. Store calls made by {@code work}
     * on the same thread see and join the lock holder's view. Re-entrant on one thread. Blocks until the lock is free
     * (implementations bound the wait and then throw {@link dev.agentauth.core.StoreUnavailableException}). The
     * default runs {@code work} at once: enough for a store that only one process uses, behind the broker's in-process
     * single flight.
     */
    default <T> T withGrantLock(GrantKey key, Supplier<T> work) {
        return work.get();
    }

    /**
     * Records how a consent ended, replacing an earlier record of it. Called by the broker that handled the callback.
     * The default keeps nothing (a store used by one process: the broker finishes its own waiters).
     */
    default void saveConsentOutcome(ConsentOutcome outcome) {
    }

    /** How consent {@code id} ended, if a broker recorded it and it was not purged. */
    default Optional<ConsentOutcome> findConsentOutcome(ConsentId id) {
        return Optional.empty();
    }

    /**
     * Whether brokers in other processes may use this store at the same time. The broker then polls
     * {@link #findConsentOutcome} while someone waits for a consent it started, since the callback may reach another
     * replica. The default is {@code false}.
     */
    default boolean sharedAcrossProcesses() {
        return false;
    }

    /** Releases resources. The default does nothing. */
    @Override
    default void close() {
    }

    /** A store in this JVM's memory: fast, lost on restart. For tests, CLIs and single-process agents. */
    static TokenStore inMemory() {
        return new InMemoryTokenStore();
    }
}
