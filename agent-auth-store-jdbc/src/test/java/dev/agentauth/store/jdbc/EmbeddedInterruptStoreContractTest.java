package dev.agentauth.store.jdbc;

import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.store.testkit.InterruptStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The interrupt store contract on the embedded store: the same H2 file and keyset as the tokens. */
class EmbeddedInterruptStoreContractTest extends InterruptStoreContract {

    @TempDir
    Path dir;

    @Override
    protected InterruptStore newStore() {
        return (InterruptStore) TokenStores.embedded().directory(dir.resolve("store")).build();
    }
}
