package dev.agentauth.store.jdbc;

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
        void unlockGrant(Connection c, long lockId) {
        }

        @Override
        void lockSchema(Connection c) {
        }
    },

    /**
     * Several replicas: grant locks are session-level advisory locks, released explicitly, or by the server when the
     * holder's connection ends (a killed replica).
     */
    POSTGRES {
        @Override
        String upsert(String table, List<String> columns, String key) {
            return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + placeholders(columns)
                    + ") ON CONFLICT (" + key + ") DO UPDATE SET " + columns.stream().filter(c -> !c.equals(key))
                    .map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", "));
        }

        @Override
        void lockGrant(Connection c, long lockId, Duration timeout) throws SQLException {
            // Tried, not waited for: each try answers at once, so the statement timeout still tells a frozen database
            // (no answer at all) from a lock another replica holds (an answer: not yet). Backoff 5 ms to 100 ms.
            long deadline = System.nanoTime() + timeout.toNanos();
            long pauseMillis = 5;
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, lockId);
                while (true) {
                    try (java.sql.ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && rs.getBoolean(1)) {
                            return;
                        }
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new SQLException("grant lock still held by another replica after " + timeout,
                                "55P03");
                    }
                    try {
                        Thread.sleep(pauseMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new SQLException("interrupted while waiting for a grant lock", "57014", e);
                    }
                    pauseMillis = Math.min(100, pauseMillis * 2);
                }
            }
        }

        @Override
        void unlockGrant(Connection c, long lockId) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
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

    /**
     * An insert that leaves an existing row with the same {@code key} alone. PostgreSQL skips it; on H2 the insert
     * fails with a duplicate key, which {@link #isDuplicate} recognizes.
     */
    String insertIfAbsent(String table, List<String> columns, String key) {
        return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + placeholders(columns) + ")"
                + (this == POSTGRES ? " ON CONFLICT (" + key + ") DO NOTHING" : "");
    }

    /** Whether {@code e} is a unique-key violation (SQLState 23505 on both databases). */
    static boolean isDuplicate(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    /** Takes the cross-process lock of one grant on {@code c}'s session, waiting at most {@code timeout}. */
    abstract void lockGrant(Connection c, long lockId, Duration timeout) throws SQLException;

    /** Releases what {@link #lockGrant} took. */
    abstract void unlockGrant(Connection c, long lockId) throws SQLException;

    /** Serializes schema migrations for the rest of {@code c}'s transaction. */
    abstract void lockSchema(Connection c) throws SQLException;

    private static String placeholders(List<String> columns) {
        return columns.stream().map(c -> "?").collect(Collectors.joining(", "));
    }
}
