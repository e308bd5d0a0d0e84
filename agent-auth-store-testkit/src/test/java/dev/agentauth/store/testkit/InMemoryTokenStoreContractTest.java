package dev.agentauth.store.testkit;

import dev.agentauth.core.store.TokenStore;

/** The kit on the reference store: {@link TokenStore#inMemory()}. */
class InMemoryTokenStoreContractTest extends TokenStoreContract {

    @Override
    protected TokenStore newStore() {
        return TokenStore.inMemory();
    }

    /** One process: a refresher that dies takes the whole store with it. */
    @Override
    protected boolean recordsRefreshes() {
        return false;
    }
}
