package dev.agentauth.core.store;

import dev.agentauth.core.store.jdbc.TokenStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedTokenStoreContractTest extends TokenStoreContract {

    @TempDir
    Path dir;

    @Override
    protected TokenStore newStore() {
        return TokenStores.embedded().directory(dir.resolve("store")).build();
    }
}
