package dev.agentauth.core.testing;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A store that delegates and remembers, in order, the keys it was asked to save and to lock. */
public final class RecordingTokenStore implements TokenStore {

    private final TokenStore delegate;
    private final List<GrantKey> saved = new CopyOnWriteArrayList<>();
    private final List<GrantKey> locked = new CopyOnWriteArrayList<>();

    public RecordingTokenStore(TokenStore delegate) {
        this.delegate = delegate;
    }

    /** Distinct saved keys, in the order first saved. */
    public List<GrantKey> savedKeys() {
        return saved.stream().distinct().toList();
    }

    public List<GrantKey> lockedKeys() {
        return List.copyOf(locked);
    }

    @Override
    public Optional<StoredGrant> find(GrantKey key) {
        return delegate.find(key);
    }

    @Override
    public void save(StoredGrant grant) {
        saved.add(grant.key());
        delegate.save(grant);
    }

    @Override
    public boolean delete(GrantKey key) {
        return delegate.delete(key);
    }

    @Override
    public List<StoredGrant> findByUser(String user) {
        return delegate.findByUser(user);
    }

    @Override
    public void saveConsent(PendingConsent consent) {
        delegate.saveConsent(consent);
    }

    @Override
    public Optional<PendingConsent> claimConsent(String stateDigest, String claimant, Instant now, Instant until) {
        return delegate.claimConsent(stateDigest, claimant, now, until);
    }

    @Override
    public void releaseConsent(String stateDigest, String claimant, Instant nextPollAt, Duration pollInterval) {
        delegate.releaseConsent(stateDigest, claimant, nextPollAt, pollInterval);
    }

    @Override
    public void completeConsent(PendingConsent consent, StoredGrant grant, ConsentOutcome outcome) {
        if (grant != null) {
            saved.add(grant.key());
        }
        delegate.completeConsent(consent, grant, outcome);
    }

    @Override
    public List<PendingConsent> dueDeviceConsents(Instant now, int limit) {
        return delegate.dueDeviceConsents(now, limit);
    }

    @Override
    public Optional<PendingConsent> findConsent(ConsentId id) {
        return delegate.findConsent(id);
    }

    @Override
    public int purgeExpiredConsents(Instant now) {
        return delegate.purgeExpiredConsents(now);
    }

    @Override
    public <T> T withGrantLock(GrantKey key, Supplier<T> work) {
        locked.add(key);
        return delegate.withGrantLock(key, work);
    }

    @Override
    public void saveConsentOutcome(ConsentOutcome outcome) {
        delegate.saveConsentOutcome(outcome);
    }

    @Override
    public Optional<ConsentOutcome> findConsentOutcome(ConsentId id) {
        return delegate.findConsentOutcome(id);
    }
}
