package dev.agentauth.store.jdbc;

import dev.agentauth.core.ConfigurationException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's tables and their versioned migrations. Version N is applied once, in order, and recorded in
 * {@code agentauth_schema_version}; a database newer than this library is refused rather than misread. Never edit a
 * released migration: add the next one.
 *
 * <p>Types are the common subset of PostgreSQL and H2: times are epoch milliseconds ({@code BIGINT}, no time zone to
 * get wrong), secrets are Tink ciphertexts ({@code BYTEA}), scopes are space-separated.
 */
final class Schema {

    private static final Logger log = LoggerFactory.getLogger(Schema.class);

    /** A migration step that needs more than SQL statements: it runs in the migration's transaction. */
    @FunctionalInterface
    interface Step {
        void apply(Connection c, Sealer sealer) throws SQLException;
    }

    /** Seals the rows written before seals existed (schema version 5), with the store's keyset. */
    @FunctionalInterface
    interface Sealer {
        void sealExisting(Connection c) throws SQLException;
    }

    record Migration(int version, String description, List<String> statements, Step step) {
        Migration(int version, String description, List<String> statements) {
            this(version, description, statements, (c, sealer) -> { });
        }
    }

    /** Tables holding a grant key, each with its primary key column. */
    private static final List<String[]> KEYED_TABLES = List.of(new String[] {"agentauth_grant", "grant_id"},
            new String[] {"agentauth_consent", "state_digest"}, new String[] {"agentauth_consent_outcome",
                    "consent_id"});

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "grants, pending consents, consent outcomes", List.of(
                    """
                    CREATE TABLE agentauth_grant (
                      grant_id      VARCHAR(64)   NOT NULL PRIMARY KEY,
                      provider      VARCHAR(200)  NOT NULL,
                      flow          VARCHAR(40)   NOT NULL,
                      user_id       VARCHAR(500),
                      agent         VARCHAR(500)  NOT NULL,
                      scope_key     VARCHAR(4000) NOT NULL,
                      token_type    VARCHAR(100)  NOT NULL,
                      access_token  BYTEA         NOT NULL,
                      refresh_token BYTEA,
                      scopes        VARCHAR(4000) NOT NULL,
                      expires_at    BIGINT,
                      updated_at    BIGINT        NOT NULL
                    )""",
                    "CREATE INDEX agentauth_grant_user ON agentauth_grant (user_id)",
                    """
                    CREATE TABLE agentauth_consent (
                      state_digest    VARCHAR(64)   NOT NULL PRIMARY KEY,
                      consent_id      VARCHAR(200)  NOT NULL UNIQUE,
                      provider        VARCHAR(200)  NOT NULL,
                      flow            VARCHAR(40)   NOT NULL,
                      user_id         VARCHAR(500),
                      agent           VARCHAR(500)  NOT NULL,
                      scope_key       VARCHAR(4000) NOT NULL,
                      principal_user  VARCHAR(500),
                      principal_agent VARCHAR(500)  NOT NULL,
                      scopes          VARCHAR(4000) NOT NULL,
                      code_verifier   BYTEA,
                      redirect_uri    VARCHAR(2000) NOT NULL,
                      created_at      BIGINT        NOT NULL,
                      expires_at      BIGINT        NOT NULL
                    )""",
                    "CREATE INDEX agentauth_consent_expiry ON agentauth_consent (expires_at)",
                    """
                    CREATE TABLE agentauth_consent_outcome (
                      consent_id      VARCHAR(200)  NOT NULL PRIMARY KEY,
                      status          VARCHAR(20)   NOT NULL,
                      provider        VARCHAR(200)  NOT NULL,
                      flow            VARCHAR(40)   NOT NULL,
                      user_id         VARCHAR(500),
                      agent           VARCHAR(500)  NOT NULL,
                      scope_key       VARCHAR(4000) NOT NULL,
                      principal_user  VARCHAR(500),
                      principal_agent VARCHAR(500)  NOT NULL,
                      error_code      VARCHAR(200),
                      completed_at    BIGINT        NOT NULL,
                      expires_at      BIGINT        NOT NULL
                    )""")),
            new Migration(2, "typed grant keys: audience and subject provider out of the scope key",
                    KEYED_TABLES.stream().flatMap(t -> java.util.stream.Stream.of(
                            "ALTER TABLE " + t[0] + " ADD COLUMN audience VARCHAR(2000) DEFAULT '' NOT NULL",
                            "ALTER TABLE " + t[0] + " ADD COLUMN subject_provider VARCHAR(200)")).toList(),
                    (c, sealer) -> splitScopeKeys(c)),
            new Migration(3, "the identity-provider account a grant belongs to (encrypted)", List.of(
                    "ALTER TABLE agentauth_grant ADD COLUMN account BYTEA")),
            new Migration(4, "paused agent turns (consent interrupts), payload encrypted", List.of(
                    """
                    CREATE TABLE agentauth_interrupt (
                      interrupt_id VARCHAR(64)  NOT NULL PRIMARY KEY,
                      user_id      VARCHAR(500) NOT NULL,
                      agent        VARCHAR(500) NOT NULL,
                      created_at   BIGINT       NOT NULL,
                      purge_at     BIGINT       NOT NULL,
                      payload      BYTEA        NOT NULL
                    )""",
                    "CREATE INDEX agentauth_interrupt_user ON agentauth_interrupt (user_id)",
                    "CREATE INDEX agentauth_interrupt_purge ON agentauth_interrupt (purge_at)")),
            new Migration(5, "row seals over the columns that say whose or what a row is; claimed consents and"
                    + " device polls any replica can take over; interrupt resume leases and tombstones; refreshes in"
                    + " flight", List.of(
                    "ALTER TABLE agentauth_grant ADD COLUMN seal BYTEA",
                    "ALTER TABLE agentauth_grant ADD COLUMN refresh_started_at BIGINT",
                    "ALTER TABLE agentauth_consent ADD COLUMN seal BYTEA",
                    "ALTER TABLE agentauth_consent ADD COLUMN poll_interval_ms BIGINT",
                    "ALTER TABLE agentauth_consent ADD COLUMN next_poll_at BIGINT",
                    "ALTER TABLE agentauth_consent ADD COLUMN claimed_by VARCHAR(200)",
                    "ALTER TABLE agentauth_consent ADD COLUMN claimed_until BIGINT",
                    "CREATE INDEX agentauth_consent_poll ON agentauth_consent (next_poll_at)",
                    "ALTER TABLE agentauth_consent_outcome ADD COLUMN seal BYTEA",
                    "ALTER TABLE agentauth_interrupt ADD COLUMN seal BYTEA",
                    "ALTER TABLE agentauth_interrupt ADD COLUMN state VARCHAR(20) DEFAULT 'OPEN' NOT NULL",
                    "ALTER TABLE agentauth_interrupt ADD COLUMN epoch BIGINT DEFAULT 0 NOT NULL",
                    "ALTER TABLE agentauth_interrupt ADD COLUMN lease_owner VARCHAR(200)",
                    "ALTER TABLE agentauth_interrupt ADD COLUMN lease_until BIGINT",
                    "ALTER TABLE agentauth_interrupt ADD COLUMN progress BYTEA"),
                    (c, sealer) -> sealer.sealExisting(c)));

    static final int LATEST = MIGRATIONS.get(MIGRATIONS.size() - 1).version();

    private Schema() {
    }

    /** Creates or migrates the schema to {@link #LATEST}; returns the version found before. */
    static int migrate(Connection c, Dialect dialect, Clock clock, String store, Sealer sealer) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            dialect.lockSchema(c);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS agentauth_schema_version (version INTEGER NOT NULL PRIMARY KEY,"
                        + " description VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)");
            }
            int current;
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM agentauth_schema_version")) {
                rs.next();
                current = rs.getInt(1);
            }
            if (current > LATEST) {
                throw new ConfigurationException(store + " has schema version " + current + ", newer than this"
                        + " agent-auth supports (" + LATEST + "); upgrade agent-auth on this replica", null, null);
            }
            for (Migration m : MIGRATIONS) {
                if (m.version() <= current) {
                    continue;
                }
                try (Statement s = c.createStatement()) {
                    for (String sql : m.statements()) {
                        s.execute(sql);
                    }
                }
                m.step().apply(c, sealer);
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO agentauth_schema_version (version, description, applied_at) VALUES (?, ?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.description());
                    ps.setLong(3, clock.millis());
                    ps.executeUpdate();
                }
                log.info("{}: applied schema migration {} ({})", store, m.version(), m.description());
            }
            c.commit();
            return current;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * Version 1 kept a key's audience and subject provider inside its scope key, as {@code "<scopes> aud=<audience>
     * subject=<provider>"}; version 2 keeps them in columns of their own. Row ids do not change
     * ({@link JdbcTokenStore#grantId} still hashes the old form), so ciphertexts stay bound to their rows.
     */
    private static void splitScopeKeys(Connection c) throws SQLException {
        for (String[] table : KEYED_TABLES) {
            try (PreparedStatement select = c.prepareStatement("SELECT " + table[1] + ", scope_key FROM " + table[0]
                    + " WHERE scope_key LIKE '% aud=%' OR scope_key LIKE '% subject=%'");
                 PreparedStatement update = c.prepareStatement("UPDATE " + table[0]
                         + " SET scope_key = ?, audience = ?, subject_provider = ? WHERE " + table[1] + " = ?");
                 ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    String scopes = rs.getString(2);
                    String subject = null;
                    String audience = "";
                    int at = scopes.indexOf(" subject=");
                    if (at >= 0) {
                        subject = scopes.substring(at + " subject=".length());
                        scopes = scopes.substring(0, at);
                    }
                    at = scopes.indexOf(" aud=");
                    if (at >= 0) {
                        audience = scopes.substring(at + " aud=".length());
                        scopes = scopes.substring(0, at);
                    }
                    update.setString(1, scopes);
                    update.setString(2, audience);
                    update.setString(3, subject);
                    update.setString(4, rs.getString(1));
                    update.addBatch();
                }
                update.executeBatch();
            }
        }
    }

    /** The scope key as schema version 1 wrote it: audience and subject provider appended. */
    static String legacyScopeKey(dev.agentauth.core.store.GrantKey key) {
        if (key.audience().isEmpty() && key.subjectProvider() == null) {
            return key.scopeKey();
        }
        return key.scopeKey() + (key.audience().isEmpty() ? "" : " aud=" + key.audience())
                + (key.subjectProvider() == null ? "" : " subject=" + key.subjectProvider());
    }
}
