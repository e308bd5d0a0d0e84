package dev.agentauth.core.store;

import dev.agentauth.core.ConsentId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where grants and pending consents live. The broker keeps a lock-free in-memory cache in front of the store, so a
 * store is read only when a token is missing, stale or being refreshed.
 *
 * <p><b>Contract.</b> Implementations must be thread-safe. Every method may block on I/O. {@link #save} replaces the
 * whole grant atomically (a reader sees the old grant or the new one, never a mix, so a rotated refresh token is never
 * lost). {@link #takeConsent} removes and returns atomically: of two concurrent callers with one state, at most one
 * receives the consent. Failures are thrown as {@link dev.agentauth.core.AgentAuthException} with
 * {@code retryable() == true} when the store is unreachable.
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

    /** Removes pending consents that expired before {@code now}; how many. */
    int purgeExpiredConsents(Instant now);

    /** Releases resources. The default does nothing. */
    @Override
    default void close() {
    }

    /** A store in this JVM's memory: fast, lost on restart. For tests, CLIs and single-process agents. */
    static TokenStore inMemory() {
        return new InMemoryTokenStore();
    }
}
