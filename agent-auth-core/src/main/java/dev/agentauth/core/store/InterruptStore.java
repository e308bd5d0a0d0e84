package dev.agentauth.core.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where paused agent turns (consent interrupts) live between the moment a tool call needs a consent and the moment the
 * user resumes or declines: beside the token store, so that an interrupt raised on one replica can be shown, resumed
 * or declined on any replica, and survives a restart.
 *
 * <p><b>Lifecycle.</b> {@link #saveInterrupt} creates an {@linkplain StoredInterrupt.State#OPEN open} interrupt, once:
 * saving an id that exists in any state changes nothing. A resume {@linkplain #claimInterrupt claims} it under a lease
 * ({@link StoredInterrupt.State#RESUMING}), {@linkplain #renewInterrupt renews} the lease while it works, recording its
 * progress, and {@linkplain #finishInterrupt finishes} it ({@link StoredInterrupt.State#DONE}, a tombstone until its
 * purge time) — or {@linkplain #releaseInterrupt releases} it back to open when it could not start. When a resumer dies,
 * its lease runs out and the next claim takes the interrupt over, with the progress it recorded.
 *
 * <pre>
 *  save ──► OPEN ──claim──► RESUMING(epoch n, lease) ──finish──► DONE ──purge──► gone
 *             ▲                 │  │ renew (progress)
 *             └────release──────┘  └─ lease runs out ──claim──► RESUMING(epoch n+1, progress kept)
 * </pre>
 *
 * <p><b>Contract.</b> Implementations are thread-safe and every method may block on I/O. {@link #claimInterrupt} is
 * atomic: of any number of concurrent callers, on any number of processes sharing the store, at most one holds a live
 * claim. Each claim gets a higher epoch, and renew, finish and release succeed only for the current epoch. Failures are
 * thrown as {@link dev.agentauth.core.AgentAuthException}; an unreachable store as
 * {@link dev.agentauth.core.StoreUnavailableException}; a row altered in the database as
 * {@link dev.agentauth.core.StoreIntegrityException} (and left out of listings).
 *
 * <p>Implementations: {@link #inMemory()} (one process); the embedded and PostgreSQL stores of
 * {@code dev.agentauth.store.jdbc.TokenStores} (module {@code agent-auth-store-jdbc}) implement it too, in the same
 * database and with the same encryption as the tokens, and a broker built on one of them offers it as
 * {@link dev.agentauth.core.TokenBroker#interruptStore()}. Every implementation passes the same contract tests,
 * {@code dev.agentauth.store.testkit.InterruptStoreContract} (module {@code agent-auth-store-testkit}).
 *
 * @since 0.2.0
 */
public interface InterruptStore {

    /**
     * Creates {@code interrupt} (open). Idempotent: when an interrupt with its id exists — open, being resumed, or done
     * — nothing changes, so a save retried after a lost acknowledgement, or flushed late by a replica that kept it
     * during an outage, never brings back an interrupt that was already resumed.
     */
    void saveInterrupt(StoredInterrupt interrupt);

    /** The interrupt with this id in whatever state, until it is purged. */
    Optional<StoredInterrupt> findInterrupt(String id);

    /**
     * Claims the interrupt for a resume by {@code owner} until {@code leaseUntil}: when it is open, or being resumed
     * under a lease that ran out before {@code now} (a takeover, which carries the recorded progress). Empty when there
     * is no such interrupt, it is done, or another claim is live.
     *
     * @since 0.3.0
     */
    Optional<InterruptClaim> claimInterrupt(String id, String owner, Instant now, Instant leaseUntil);

    /**
     * Extends {@code claim}'s lease to {@code leaseUntil} and, when {@code progress} is not {@code null}, records it in
     * place of the previous progress. {@code false} when the claim is no longer current (its lease ran out and another
     * claimant took over): the caller must stop.
     *
     * @since 0.3.0
     */
    boolean renewInterrupt(InterruptClaim claim, Instant leaseUntil, String progress);

    /**
     * Marks the claimed interrupt done; {@code false} when the claim is no longer current.
     *
     * @since 0.3.0
     */
    boolean finishInterrupt(InterruptClaim claim);

    /**
     * Gives the claimed interrupt back, open, as it was before the claim (its recorded progress kept); {@code false}
     * when the claim is no longer current.
     *
     * @since 0.3.0
     */
    boolean releaseInterrupt(InterruptClaim claim);

    /**
     * The interrupts of {@code user} that are open or being resumed, oldest first: a chat UI shows their cards again
     * after a reload (one whose resume lease ran out is resumable again: {@link StoredInterrupt#resumable}).
     */
    List<StoredInterrupt> findInterruptsByUser(String user);

    /** Removes interrupts whose purge time is before {@code now}, in any state; how many. */
    int purgeExpiredInterrupts(Instant now);

    /** A store in this JVM's memory: lost on restart, seen by this process only. */
    static InterruptStore inMemory() {
        return new InMemoryInterruptStore();
    }
}
