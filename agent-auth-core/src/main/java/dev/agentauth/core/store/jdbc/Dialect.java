package dev.agentauth.core.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** What differs between the databases the JDBC store runs on. */
enum Dialect {

    /** The embedded default: one process per database file, so grant locks are taken in the JVM. */
    H2 {
        @Override
        String upsert(String table, List<String> columns, String key) {
            return "MERGE INTO " + table + " (" + String.join(", ", columns) + ") KEY (" + key + ") VALUES ("
                    + placeholders(columns) + ")";
        }

        @Override
        void lockGrant(Connection c, long lockId, Duration timeout) {
            // One process opens an H2 file: JdbcTokenStore locks in the JVM instead.
        }

        @Override
        void lockSchema(Connection c) {
        }
    },

    /** Several replicas: grant locks are transaction-scoped advisory locks, released by commit, rollback or death. */
    POSTGRES {
        @Override
        String upsert(String table, List<String> columns, String key) {
            return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + placeholders(columns)
                    + ") ON CONFLICT (" + key + ") DO UPDATE SET " + columns.stream().filter(c -> !c.equals(key))
                    .map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", "));
        }

        @Override
        void lockGrant(Connection c, long lockId, Duration timeout) throws SQLException {
            try (Statement s = c.createStatement()) {
                // lock_timeout bounds the wait for advisory locks too; SET LOCAL ends with the transaction.
                s.execute("SET LOCAL lock_timeout = " + Math.max(1, timeout.toMillis()));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                ps.setLong(1, lockId);
                ps.execute();
            }
        }

        @Override
        void lockSchema(Connection c) throws SQLException {
            // Replicas starting together: one migrates, the others wait and then find the schema current.
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK_ID + ")");
            }
        }
    };

    /** Advisory lock id of schema migration: "agentaut" in ASCII. */
    static final long SCHEMA_LOCK_ID = 0x6167656e74617574L;

    /** An insert-or-replace of one row identified by {@code key}. */
    abstract String upsert(String table, List<String> columns, String key);

    /** Takes the cross-process lock of one grant for the rest of {@code c}'s transaction. */
    abstract void lockGrant(Connection c, long lockId, Duration timeout) throws SQLException;

    /** Serializes schema migrations for the rest of {@code c}'s transaction. */
    abstract void lockSchema(Connection c) throws SQLException;

    private static String placeholders(List<String> columns) {
        return columns.stream().map(c -> "?").collect(Collectors.joining(", "));
    }
}
