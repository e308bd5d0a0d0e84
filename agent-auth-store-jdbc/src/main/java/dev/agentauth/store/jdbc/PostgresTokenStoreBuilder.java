package dev.agentauth.store.jdbc;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Secret;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the PostgreSQL token store, for several replicas of an agent on one database. {@code build()} creates or
 * migrates the schema (tables {@code agentauth_*}, version in {@code agentauth_schema_version}; replicas starting
 * together migrate once). Each option may be set once; {@link #encryption} is required, and exactly one of
 * {@link #jdbcUrl} and {@link #dataSource}.
 *
 * <pre>{@code
 * TokenStore store = TokenStores.postgres()
 *         .jdbcUrl("jdbc:postgresql://db.internal:5432/agents")
 *         .username("agent_auth").password(Secret.of(System.getenv("AGENT_AUTH_DB_PASSWORD")))
 *         .encryption(TokenEncryption.fromEnvironment("AGENT_AUTH_KEYSET"))
 *         .build();
 * }</pre>
 *
 * With {@link #jdbcUrl} the store runs its own HikariCP pool ({@code com.zaxxer:HikariCP} and
 * {@code org.postgresql:postgresql} must be on the class path: they are optional dependencies of agent-auth-core);
 * with {@link #dataSource} it uses yours and does not close it.
 */
public final class PostgresTokenStoreBuilder {

    private static final Logger log = LoggerFactory.getLogger(PostgresTokenStoreBuilder.class);

    private String jdbcUrl;
    private String username;
    private Secret password;
    private DataSource dataSource;
    private TokenEncryption encryption;
    private Integer maximumPoolSize;
    private Duration connectionTimeout;
    private Duration lockTimeout;
    private Duration statementTimeout;

    PostgresTokenStoreBuilder() {
    }

    /** The database, e.g. {@code jdbc:postgresql://db:5432/agents}. Put no password in it: use {@link #password}. */
    public PostgresTokenStoreBuilder jdbcUrl(String jdbcUrl) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: it must start with jdbc:postgresql:");
        }
        once(this.jdbcUrl, "jdbcUrl");
        this.jdbcUrl = jdbcUrl;
        return this;
    }

    /** The database user (with {@link #jdbcUrl}). */
    public PostgresTokenStoreBuilder username(String username) {
        once(this.username, "username");
        this.username = Objects.requireNonNull(username, "username");
        return this;
    }

    /** The database password (with {@link #jdbcUrl}). */
    public PostgresTokenStoreBuilder password(Secret password) {
        once(this.password, "password");
        this.password = Objects.requireNonNull(password, "password");
        return this;
    }

    /** Your own pool instead of {@link #jdbcUrl}; the store does not close it. */
    public PostgresTokenStoreBuilder dataSource(DataSource dataSource) {
        once(this.dataSource, "dataSource");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        return this;
    }

    /** The keyset tokens are encrypted with. Required; every replica needs the same keyset. */
    public PostgresTokenStoreBuilder encryption(TokenEncryption encryption) {
        once(this.encryption, "encryption");
        this.encryption = Objects.requireNonNull(encryption, "encryption");
        return this;
    }

    /** Connections of the store's own pool. Default 10. */
    public PostgresTokenStoreBuilder maximumPoolSize(int size) {
        if (size < 2) {
            throw new IllegalArgumentException("maximumPoolSize must be at least 2 (a refresh holds one connection)");
        }
        once(this.maximumPoolSize, "maximumPoolSize");
        this.maximumPoolSize = size;
        return this;
    }

    /**
     * How long to wait for a pooled connection before the call fails as unavailable. Default 5 s; never longer than
     * {@link #statementTimeout}, which bounds the whole call.
     */
    public PostgresTokenStoreBuilder connectionTimeout(Duration timeout) {
        once(this.connectionTimeout, "connectionTimeout");
        this.connectionTimeout = positive(timeout, "connectionTimeout");
        return this;
    }

    /** How long a refresh waits for another replica's refresh of the same grant. Default 30 s. */
    public PostgresTokenStoreBuilder lockTimeout(Duration timeout) {
        once(this.lockTimeout, "lockTimeout");
        this.lockTimeout = positive(timeout, "lockTimeout");
        return this;
    }

    /**
     * The longest any store call may take (the wait for another replica's refresh aside, see {@link #lockTimeout}):
     * a database that is frozen, overloaded or cut off fails the call as a retryable
     * {@link StoreUnavailableException} within it, instead of stalling every caller until TCP gives up. Enforced on
     * the connection (its read timeout), so it holds even when the server cannot answer at all. Default 5 s.
     *
     * @since 0.3.0
     */
    public PostgresTokenStoreBuilder statementTimeout(Duration timeout) {
        once(this.statementTimeout, "statementTimeout");
        this.statementTimeout = positive(timeout, "statementTimeout");
        return this;
    }

    /**
     * Connects, creates or migrates the schema, and returns the store.
     *
     * @throws StoreUnavailableException the database cannot be reached
     * @throws ConfigurationException    options missing, the driver or HikariCP missing, or the schema is newer than
     *                                   this library
     */
    public TokenStore build() {
        if (encryption == null) {
            throw new ConfigurationException("the PostgreSQL token store needs .encryption(...): tokens are always"
                    + " encrypted at rest; see TokenEncryption");
        }
        if ((jdbcUrl == null) == (dataSource == null)) {
            throw new ConfigurationException("the PostgreSQL token store needs exactly one of .jdbcUrl(...) and"
                    + " .dataSource(...)");
        }
        if (dataSource != null && (username != null || password != null)) {
            throw new ConfigurationException("username and password go with .jdbcUrl(...), not .dataSource(...)");
        }
        Duration lock = lockTimeout != null ? lockTimeout : Duration.ofSeconds(30);
        Duration connect = connectionTimeout != null ? connectionTimeout : Duration.ofSeconds(5);
        Duration statement = statementTimeout != null ? statementTimeout : Duration.ofSeconds(5);
        String description;
        DataSource ds;
        AutoCloseable pool = null;
        if (jdbcUrl != null) {
            requireClass("org.postgresql.Driver", "org.postgresql:postgresql");
            requireClass("com.zaxxer.hikari.HikariDataSource", "com.zaxxer:HikariCP");
            description = "PostgreSQL token store at " + where(jdbcUrl);
            ds = HikariPools.create(jdbcUrl, username, password, maximumPoolSize != null ? maximumPoolSize : 10,
                    connect, statement);
            pool = (AutoCloseable) ds;
        } else {
            description = "PostgreSQL token store (application DataSource)";
            ds = dataSource;
        }
        JdbcTokenStore store = new JdbcTokenStore(ds, Dialect.POSTGRES, encryption, description,
                "check that the database is up and reachable, then retry", lock, statement, pool);
        try {
            store.migrate(Clock.systemUTC());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        log.info("{} opened ({})", description, encryption);
        return store;
    }

    /** host:port/database of a JDBC URL, without its parameters (which may hold a password). */
    static String where(String jdbcUrl) {
        try {
            URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
            String host = uri.getHost() != null ? uri.getHost() : "localhost";
            return host + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + (uri.getPath() != null ? uri.getPath() : "");
        } catch (IllegalArgumentException e) {
            return "(unparsable JDBC URL)";
        }
    }

    private static void requireClass(String className, String artifact) {
        try {
            Class.forName(className, false, PostgresTokenStoreBuilder.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigurationException("the PostgreSQL token store needs " + artifact + " on the class path;"
                    + " add it to your application's dependencies (it is optional in agent-auth-core)");
        }
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return d;
    }

    private static void once(Object current, String name) {
        if (current != null) {
            throw new IllegalStateException(name + " is already set");
        }
    }
}
