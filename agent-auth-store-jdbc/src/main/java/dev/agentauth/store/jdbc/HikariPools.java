package dev.agentauth.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentauth.core.Secret;
import java.time.Duration;
import javax.sql.DataSource;

/** The store's own HikariCP pool. A class of its own so that HikariCP, an optional dependency, loads only here. */
final class HikariPools {

    private HikariPools() {
    }

    static DataSource create(String jdbcUrl, String username, Secret password, int size, Duration connectionTimeout,
                             Duration statementTimeout) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("agent-auth-token-store");
        config.setJdbcUrl(jdbcUrl);
        if (username != null) {
            config.setUsername(username);
        }
        if (password != null) {
            config.setPassword(password.reveal());
        }
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(Math.min(2, size));
        // A call waits for a connection at most as long as it may take at all (statementTimeout).
        config.setConnectionTimeout(Math.max(250, Math.min(connectionTimeout.toMillis(), statementTimeout.toMillis())));
        // A frozen database must not hold a caller in validation longer than a statement may take.
        config.setValidationTimeout(Math.max(250, Math.min(Math.min(connectionTimeout.toMillis(),
                statementTimeout.toMillis()), 5_000)));
        // Build even while the database is down: the first call then fails as retryable, and recovers when it is back.
        config.setInitializationFailTimeout(-1);
        long connectSeconds = Math.max(1, (connectionTimeout.toMillis() + 999) / 1000);
        config.addDataSourceProperty("connectTimeout", Long.toString(connectSeconds));
        config.addDataSourceProperty("loginTimeout", Long.toString(connectSeconds));
        // Each call sets its own read timeout (JdbcConnections: the statement timeout, longer for the grant lock).
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(config);
    }
}
