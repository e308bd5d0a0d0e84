package dev.agentauth.core.store;

import dev.agentauth.core.ConsentId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * {@link TokenStore#inMemory()}: concurrent maps, atomic by {@link ConcurrentHashMap}'s per-key guarantees. Grant
 * locks are striped {@link ReentrantLock}s, so brokers sharing one instance in one JVM also refresh a grant once.
 */
final class InMemoryTokenStore implements TokenStore, InterruptStore {

    private final InMemoryInterruptStore interrupts = new InMemoryInterruptStore();

    private final ConcurrentHashMap<GrantKey, StoredGrant> grants = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PendingConsent> consentsByState = new ConcurrentHashMap<>();
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
    public void saveConsent(PendingConsent consent) {
        consentsByState.put(consent.stateDigest(), consent);
    }

    @Override
    public Optional<PendingConsent> takeConsent(String stateDigest) {
        return Optional.ofNullable(consentsByState.remove(stateDigest));
    }

    @Override
    public Optional<PendingConsent> findConsent(ConsentId id) {
        return consentsByState.values().stream().filter(c -> c.id().equals(id)).findFirst();
    }

    @Override
    public int purgeExpiredConsents(Instant now) {
        int[] removed = {0};
        consentsByState.values().removeIf(c -> {
            boolean expired = c.expiresAt().isBefore(now);
            if (expired) {
                removed[0]++;
            }
            return expired;
        });
        outcomes.values().removeIf(o -> o.expiresAt().isBefore(now));
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
    public Optional<StoredInterrupt> takeInterrupt(String id) {
        return interrupts.takeInterrupt(id);
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
