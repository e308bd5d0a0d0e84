package dev.agentauth.store.jdbc;

import dev.agentauth.core.store.TokenStore;
import dev.agentauth.store.testkit.TokenStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The token store contract on the embedded store (H2 file). */
class EmbeddedTokenStoreContractTest extends TokenStoreContract {

    @TempDir
    Path dir;

    @Override
    protected TokenStore newStore() {
        return TokenStores.embedded().directory(dir.resolve("store")).build();
    }
}
