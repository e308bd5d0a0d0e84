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
import java.util.function.Supplier;

/** A store that forwards every call: tests override the operations they record or make fail. */
public class ForwardingTokenStore implements TokenStore {

    private final TokenStore delegate;

    public ForwardingTokenStore(TokenStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public Optional<StoredGrant> find(GrantKey key) {
        return delegate.find(key);
    }

    @Override
    public void save(StoredGrant grant) {
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
