package dev.agentauth.core.store;

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
