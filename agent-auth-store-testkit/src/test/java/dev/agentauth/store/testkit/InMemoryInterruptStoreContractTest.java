package dev.agentauth.store.testkit;

import dev.agentauth.core.store.InterruptStore;

/** The kit on the reference interrupt store: {@link InterruptStore#inMemory()}. */
class InMemoryInterruptStoreContractTest extends InterruptStoreContract {

    @Override
    protected InterruptStore newStore() {
        return InterruptStore.inMemory();
    }
}
