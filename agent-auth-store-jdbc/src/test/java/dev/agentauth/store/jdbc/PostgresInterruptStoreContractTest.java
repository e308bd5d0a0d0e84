package dev.agentauth.store.jdbc;

import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.store.testkit.InterruptStoreContract;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;

/** The interrupt store contract on a real PostgreSQL 17: the same database and keyset as the tokens. */
class PostgresInterruptStoreContractTest extends InterruptStoreContract {

    static final String KEYSET = TokenEncryption.generateKeyset();
    static EmbeddedPg pg;
    static DataSource admin;

    @BeforeAll
    static void startDatabase() {
        pg = EmbeddedPg.shared();
        admin = pg.database("interrupt_contract");
    }

    @Override
    protected InterruptStore newStore() {
        return (InterruptStore) PostgresContract.emptyStore(pg, admin, "interrupt_contract", KEYSET);
    }
}
