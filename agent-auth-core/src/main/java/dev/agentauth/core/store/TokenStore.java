package dev.agentauth.core.store;

import dev.agentauth.core.ConsentId;
import java.time.Duration;
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
 * lost). {@link #claimConsent} is atomic: of concurrent callers with one state, at most one receives the consent, and
 * {@link #completeConsent} stores the grant, records the outcome and retires the consent all or nothing — in that
 * order of importance, so a callback that fails half-way loses neither the sign-in nor the tokens. Rows that fail a
 * durable store's integrity check are never served ({@link dev.agentauth.core.StoreIntegrityException}). Failures are
 * thrown as {@link dev.agentauth.core.AgentAuthException}; when the store is
 * unreachable, as {@link dev.agentauth.core.StoreUnavailableException} ({@code retryable() == true}).
 *
 * <p><b>Several processes.</b> A store that several brokers in several processes share (replicas on one database)
 * returns {@code true} from {@link #sharedAcrossProcesses()}, serializes {@link #withGrantLock} across all of them,
 * and keeps {@linkplain #saveConsentOutcome consent outcomes} so that a callback handled by one replica finishes the
 * waiters of another. The defaults suit a store used by one process: the broker's in-process single flight is enough.
 *
 * <p>Implementations: {@link #inMemory()}, and the encrypted embedded and PostgreSQL stores of
 * {@code dev.agentauth.store.jdbc.TokenStores} (module {@code agent-auth-store-jdbc}). Every store passes the same
 * contract test suite, {@code dev.agentauth.store.testkit.TokenStoreContract} (module
 * {@code agent-auth-store-testkit}); run it on a store of your own.
 */
public interface TokenStore extends AutoCloseable {

    /**
     * The grant stored under {@code key}.
     *
     * @throws dev.agentauth.core.StoreIntegrityException the row under this key was altered in the database, or its
     *                                                     secrets do not decrypt with the store's keyset
     */
    Optional<StoredGrant> find(GrantKey key);

    /** Stores {@code grant}, replacing any grant under the same key. */
    void save(StoredGrant grant);

    /** Removes the grant under {@code key}; whether there was one. */
    boolean delete(GrantKey key);

    /**
     * Every grant of {@code user}, for every provider and agent. A durable store leaves out (and logs) rows that fail
     * its integrity check: one altered row never hides the user's other grants. See {@link #deleteUnverifiable}.
     */
    List<StoredGrant> findByUser(String user);

    /**
     * Removes the grants filed under {@code user} — for {@code provider} and the grants exchanged from its tokens, or
     * for every provider when {@code provider} is {@code null} — that fail the store's integrity check (see
     * {@link dev.agentauth.core.StoreIntegrityException}): they are never served, and this is how a user's disconnect
     * clears them. Returns how many; never their contents. The default removes nothing: a store whose rows cannot be
     * edited from outside the process has none.
     *
     * @since 0.3.0
     */
    default int deleteUnverifiable(String user, dev.agentauth.core.ProviderId provider) {
        return 0;
    }

    /**
     * Records that a refresh of the grant under {@code key} begins, and returns when an earlier refresh began that
     * never ended: its refresher (another replica, holding the grant's lock) stopped after asking the provider and
     * before saving the answer. The broker calls it inside {@link #withGrantLock}; the record must survive the caller's
     * death (write it at once, outside any transaction the lock holds). {@link #save} ends it; so does
     * {@link #endRefresh}. The default records nothing and returns empty.
     *
     * @since 0.3.0
     */
    default Optional<Instant> beginRefresh(GrantKey key, Instant now) {
        return Optional.empty();
    }

    /** A refresh begun by {@link #beginRefresh} ended without a new grant. The default does nothing. */
    default void endRefresh(GrantKey key) {
    }

    /** Stores a pending consent (for a device authorization, due for its first poll one interval after creation). */
    void saveConsent(PendingConsent consent);

    /**
     * Claims the pending consent whose state has this digest, for one callback or one device poll: of concurrent
     * callers on every process sharing the store, at most one receives it, and no one else can claim it until the
     * claimant {@linkplain #completeConsent completes} or {@linkplain #releaseConsent releases} it, or {@code until}
     * passes (the claimant died mid-callback; another may take over). The consent stays stored while claimed, so
     * nothing is lost when the claimant fails before completing it. Empty when there is no such consent or it is
     * claimed.
     *
     * @throws dev.agentauth.core.StoreIntegrityException the row was altered in the database (it is removed)
     * @since 0.3.0
     */
    Optional<PendingConsent> claimConsent(String stateDigest, String claimant, Instant now, Instant until);

    /**
     * Gives back a consent {@code claimant} claimed: a device authorization still pending, due again at
     * {@code nextPollAt} with {@code pollInterval} (RFC 8628 §3.5 {@code slow_down} lengthens it). Nothing happens when
     * the claim has passed to someone else.
     *
     * @since 0.3.0
     */
    void releaseConsent(String stateDigest, String claimant, Instant nextPollAt, Duration pollInterval);

    /**
     * Ends {@code consent}, all or nothing: stores {@code grant} (when not {@code null}) replacing any grant under its
     * key, records {@code outcome} (replacing an earlier record of it), and removes the pending consent. If this throws,
     * none of it happened (the claim then lapses, and the consent can be completed again).
     *
     * @since 0.3.0
     */
    void completeConsent(PendingConsent consent, StoredGrant grant, ConsentOutcome outcome);

    /**
     * Device authorizations whose next poll is due at {@code now} and that no live claim holds, soonest due first, at
     * most {@code limit}: whichever replica finds one claims it and polls, so a device authorization outlives the
     * replica that started it.
     *
     * @since 0.3.0
     */
    List<PendingConsent> dueDeviceConsents(Instant now, int limit);

    /** The pending consent with this id, without removing it. */
    Optional<PendingConsent> findConsent(ConsentId id);

    /**
     * Removes pending consents that expired before {@code now} and consent outcomes past their expiry; returns how many
     * pending consents. Also removes the grants of approvals ({@link dev.agentauth.core.Flow#USER_APPROVAL}, each
     * under a key of its own) whose access token expired before {@code now} or whose outcome it removes: an approval
     * whose call never took its token (its replica stopped) leaves nothing behind.
     */
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
