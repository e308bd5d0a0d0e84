package dev.agentauth.store.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.TokenStore;

/** {@link TokenStore#inMemory()} keeps interrupts beside the tokens, as the durable stores do. */
class InMemoryTokenStoreInterruptsContractTest extends InterruptStoreContract {

    @Override
    protected InterruptStore newStore() {
        TokenStore tokens = TokenStore.inMemory();
        assertThat(tokens).as("the in-memory token store keeps interrupts too").isInstanceOf(InterruptStore.class);
        return (InterruptStore) tokens;
    }
}
