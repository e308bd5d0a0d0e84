package dev.agentauth.core.testing;

import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A store that delegates and remembers, in order, the keys it was asked to save and to lock. */
public final class RecordingTokenStore extends ForwardingTokenStore {

    private final List<GrantKey> saved = new CopyOnWriteArrayList<>();
    private final List<GrantKey> locked = new CopyOnWriteArrayList<>();

    public RecordingTokenStore(TokenStore delegate) {
        super(delegate);
    }

    /** Distinct saved keys, in the order first saved. */
    public List<GrantKey> savedKeys() {
        return saved.stream().distinct().toList();
    }

    public List<GrantKey> lockedKeys() {
        return List.copyOf(locked);
    }

    @Override
    public void save(StoredGrant grant) {
        saved.add(grant.key());
        super.save(grant);
    }

    @Override
    public void completeConsent(PendingConsent consent, StoredGrant grant, ConsentOutcome outcome) {
        if (grant != null) {
            saved.add(grant.key());
        }
        super.completeConsent(consent, grant, outcome);
    }

    @Override
    public <T> T withGrantLock(GrantKey key, Supplier<T> work) {
        locked.add(key);
        return super.withGrantLock(key, work);
    }
}
