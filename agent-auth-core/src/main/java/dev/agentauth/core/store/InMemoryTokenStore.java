package dev.agentauth.core.store;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Flow;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * {@link TokenStore#inMemory()}: concurrent maps, atomic by {@link ConcurrentHashMap}'s per-key guarantees; a pending
 * consent changes under the consents' monitor (claims, releases, completion). Grant locks are striped
 * {@link ReentrantLock}s, so brokers sharing one instance in one JVM also refresh a grant once.
 */
final class InMemoryTokenStore implements TokenStore, InterruptStore {

    private final InMemoryInterruptStore interrupts = new InMemoryInterruptStore();

    private final ConcurrentHashMap<GrantKey, StoredGrant> grants = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PendingConsent> consentsByState = new ConcurrentHashMap<>();
    /** Per pending consent: who claimed it until when, and when a device consent is next due. */
    private final ConcurrentHashMap<String, Polling> polling = new ConcurrentHashMap<>();

    private record Polling(String claimant, Instant claimedUntil, Instant nextPollAt) {
    }
    private final ConcurrentHashMap<ConsentId, ConsentOutcome> outcomes = new ConcurrentHashMap<>();
    private final ReentrantLock[] grantLocks = new ReentrantLock[64];

    InMemoryTokenStore() {
        for (int i = 0; i < grantLocks.length; i++) {
            grantLocks[i] = new ReentrantLock();
        }
    }

    @Override
    public Optional<StoredGrant> find(GrantKey key) {
        return Optional.ofNullable(grants.get(key));
    }

    @Override
    public void save(StoredGrant grant) {
        grants.put(grant.key(), grant);
    }

    @Override
    public <T> T withGrantLock(GrantKey key, Supplier<T> work) {
        ReentrantLock lock = grantLocks[Math.floorMod(key.hashCode(), grantLocks.length)];
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean delete(GrantKey key) {
        return grants.remove(key) != null;
    }

    @Override
    public List<StoredGrant> findByUser(String user) {
        return grants.values().stream().filter(g -> Objects.equals(user, g.key().user())).toList();
    }

    @Override
    public synchronized void saveConsent(PendingConsent consent) {
        consentsByState.put(consent.stateDigest(), consent);
        polling.put(consent.stateDigest(), new Polling(null, null, consent.device()
                ? consent.createdAt().plus(consent.pollInterval()) : null));
    }

    @Override
    public synchronized Optional<PendingConsent> claimConsent(String stateDigest, String claimant, Instant now,
                                                              Instant until) {
        PendingConsent consent = consentsByState.get(stateDigest);
        Polling p = polling.get(stateDigest);
        if (consent == null || p == null || (p.claimedUntil() != null && !p.claimedUntil().isBefore(now))) {
            return Optional.empty();
        }
        polling.put(stateDigest, new Polling(claimant, until, p.nextPollAt()));
        return Optional.of(consent);
    }

    @Override
    public synchronized void releaseConsent(String stateDigest, String claimant, Instant nextPollAt,
                                            Duration pollInterval) {
        Polling p = polling.get(stateDigest);
        PendingConsent consent = consentsByState.get(stateDigest);
        if (p == null || consent == null || !Objects.equals(claimant, p.claimant())) {
            return;
        }
        polling.put(stateDigest, new Polling(null, null, nextPollAt));
        if (pollInterval != null) {
            consentsByState.put(stateDigest, consent.withPollInterval(pollInterval));
        }
    }

    @Override
    public synchronized void completeConsent(PendingConsent consent, StoredGrant grant, ConsentOutcome outcome) {
        if (grant != null) {
            grants.put(grant.key(), grant);
        }
        outcomes.put(outcome.id(), outcome);
        consentsByState.remove(consent.stateDigest());
        polling.remove(consent.stateDigest());
    }

    @Override
    public synchronized List<PendingConsent> dueDeviceConsents(Instant now, int limit) {
        return consentsByState.values().stream().filter(c -> {
            Polling p = polling.get(c.stateDigest());
            return p != null && p.nextPollAt() != null && !p.nextPollAt().isAfter(now)
                    && (p.claimedUntil() == null || p.claimedUntil().isBefore(now));
        }).sorted(Comparator.comparing(c -> polling.get(c.stateDigest()).nextPollAt())).limit(limit).toList();
    }

    @Override
    public Optional<PendingConsent> findConsent(ConsentId id) {
        return consentsByState.values().stream().filter(c -> c.id().equals(id)).findFirst();
    }

    @Override
    public synchronized int purgeExpiredConsents(Instant now) {
        int[] removed = {0};
        consentsByState.values().removeIf(c -> {
            boolean expired = c.expiresAt().isBefore(now);
            if (expired) {
                removed[0]++;
                polling.remove(c.stateDigest());
            }
            return expired;
        });
        // An approval's token is kept only for the call it was for, which reads it through the approval's outcome:
        // it goes when its access token expires, and at the latest with that outcome.
        grants.values().removeIf(g -> g.key().flow() == Flow.USER_APPROVAL && g.expiresAt() != null
                && g.expiresAt().isBefore(now));
        outcomes.values().removeIf(o -> {
            boolean expired = o.expiresAt().isBefore(now);
            if (expired && o.key().flow() == Flow.USER_APPROVAL) {
                grants.remove(o.key());
            }
            return expired;
        });
        return removed[0];
    }

    @Override
    public void saveConsentOutcome(ConsentOutcome outcome) {
        outcomes.put(outcome.id(), outcome);
    }

    @Override
    public Optional<ConsentOutcome> findConsentOutcome(ConsentId id) {
        return Optional.ofNullable(outcomes.get(id));
    }

    @Override
    public void saveInterrupt(StoredInterrupt interrupt) {
        interrupts.saveInterrupt(interrupt);
    }

    @Override
    public Optional<StoredInterrupt> findInterrupt(String id) {
        return interrupts.findInterrupt(id);
    }

    @Override
    public Optional<InterruptClaim> claimInterrupt(String id, String owner, Instant now, Instant leaseUntil) {
        return interrupts.claimInterrupt(id, owner, now, leaseUntil);
    }

    @Override
    public boolean renewInterrupt(InterruptClaim claim, Instant leaseUntil, String progress) {
        return interrupts.renewInterrupt(claim, leaseUntil, progress);
    }

    @Override
    public boolean finishInterrupt(InterruptClaim claim) {
        return interrupts.finishInterrupt(claim);
    }

    @Override
    public boolean releaseInterrupt(InterruptClaim claim) {
        return interrupts.releaseInterrupt(claim);
    }

    @Override
    public List<StoredInterrupt> findInterruptsByUser(String user) {
        return interrupts.findInterruptsByUser(user);
    }

    @Override
    public int purgeExpiredInterrupts(Instant now) {
        return interrupts.purgeExpiredInterrupts(now);
    }

    @Override
    public String toString() {
        return "InMemoryTokenStore[grants=" + grants.size() + ", pendingConsents=" + consentsByState.size() + "]";
    }
}
