package dev.agentauth.core.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where paused agent turns (consent interrupts) live between the moment a tool call needs a consent and the moment the
 * user resumes or declines: beside the token store, so that an interrupt raised on one replica can be shown, resumed
 * or declined on any replica, and survives a restart.
 *
 * <p><b>Contract.</b> Implementations are thread-safe and every method may block on I/O. {@link #takeInterrupt}
 * removes and returns atomically: of any number of concurrent callers, on any number of processes sharing the store,
 * exactly one receives the interrupt — which is what makes a resume run each waiting tool call exactly once. Failures
 * are thrown as {@link dev.agentauth.core.AgentAuthException}; an unreachable store as
 * {@link dev.agentauth.core.StoreUnavailableException}.
 *
 * <p>Implementations: {@link #inMemory()} (one process); the embedded and PostgreSQL stores of
 * {@link dev.agentauth.core.store.jdbc.TokenStores} implement it too, in the same database and with the same
 * encryption as the tokens, and a broker built on one of them offers it as
 * {@link dev.agentauth.core.TokenBroker#interruptStore()}. Every implementation passes the same contract tests.
 *
 * @since 0.2.0
 */
public interface InterruptStore {

    /** Stores {@code interrupt}, replacing one with the same id. */
    void saveInterrupt(StoredInterrupt interrupt);

    /** The interrupt with this id, without removing it; an interrupt past its purge time may still be returned. */
    Optional<StoredInterrupt> findInterrupt(String id);

    /** Removes and returns the interrupt with this id; of concurrent callers, at most one receives it. */
    Optional<StoredInterrupt> takeInterrupt(String id);

    /** Every stored interrupt of {@code user}, oldest first: a chat UI shows their cards again after a reload. */
    List<StoredInterrupt> findInterruptsByUser(String user);

    /** Removes interrupts whose purge time is before {@code now}; how many. */
    int purgeExpiredInterrupts(Instant now);

    /** A store in this JVM's memory: lost on restart, seen by this process only. */
    static InterruptStore inMemory() {
        return new InMemoryInterruptStore();
    }
}
