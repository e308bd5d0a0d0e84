package dev.agentauth.core.store;

class InMemoryTokenStoreContractTest extends TokenStoreContract {

    @Override
    protected TokenStore newStore() {
        return TokenStore.inMemory();
    }
}
