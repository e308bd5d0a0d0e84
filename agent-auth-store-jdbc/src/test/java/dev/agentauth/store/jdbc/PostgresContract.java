package dev.agentauth.store.jdbc;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.EmbeddedPg;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** A PostgreSQL store on {@code database}, its tables emptied: what each contract test starts from. */
final class PostgresContract {

    private PostgresContract() {
    }

    static TokenStore emptyStore(EmbeddedPg pg, DataSource admin, String database, String keyset) {
        TokenStore store;
        try {
            store = TokenStores.postgres().jdbcUrl(pg.jdbcUrl(database)).encryption(TokenEncryption.of(
                    TinkJsonProtoKeysetFormat.parseKeyset(keyset, InsecureSecretKeyAccess.get()))).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE agentauth_grant, agentauth_consent, agentauth_consent_outcome, agentauth_interrupt");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return store;
    }
}
