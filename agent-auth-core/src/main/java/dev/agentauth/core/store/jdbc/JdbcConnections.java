package dev.agentauth.core.store.jdbc;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.TokenStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Connections and transactions of a JDBC store: auto-commit calls on pooled connections, transactions, and the locked
 * transaction of {@link #withGrantLock}, bound to the calling thread so the work's store calls join it. Database
 * failures become typed exceptions here. Thread-safe.
 */
final class JdbcConnections {

    private final DataSource dataSource;
    private final Dialect dialect;
    private final String description;
    private final String advice;
    private final Duration lockTimeout;
    /** H2 has no advisory locks: grants are locked in-process, striped. */
    private final ReentrantLock[] localLocks;
    /** The locked transaction of {@link #withGrantLock} on this thread; never crosses threads. */
    private final ThreadLocal<Connection> lockedTransaction = new ThreadLocal<>();

    JdbcConnections(DataSource dataSource, Dialect dialect, String description, String advice, Duration lockTimeout) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.description = description;
        this.advice = advice;
        this.lockTimeout = lockTimeout;
        this.localLocks = dialect == Dialect.H2 ? newLocks(64) : null;
    }

    /** See {@link dev.agentauth.core.store.TokenStore#withGrantLock}. */
    <T> T withGrantLock(GrantKey key, Supplier<T> work) {
        if (lockedTransaction.get() != null) {
            return work.get(); // re-entrant: already inside a locked transaction on this thread
        }
        String id = JdbcRows.grantId(key);
        ReentrantLock local = localLocks == null ? null : localLocks[Math.floorMod(id.hashCode(), localLocks.length)];
        if (local != null) {
            try {
                if (!local.tryLock(lockTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new StoreUnavailableException(description + ": waited " + lockTimeout + " for the lock of"
                            + " grant " + key + "; another refresh of it is stuck; retry", null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreUnavailableException(description + ": interrupted while waiting for the lock of"
                        + " grant " + key, e);
            }
        }
        try {
            Connection c = connect("lock");
            try {
                c.setAutoCommit(false);
                dialect.lockGrant(c, JdbcRows.lockId(id), lockTimeout);
            } catch (SQLException e) {
                closeQuietly(c);
                throw failure("lock of grant " + key, e);
            }
            lockedTransaction.set(c);
            try {
                T result = work.get();
                c.commit();
                return result;
            } catch (SQLException e) {
                throw failure("commit of grant " + key, e);
            } catch (RuntimeException | Error e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                lockedTransaction.remove();
                closeQuietly(c);
            }
        } finally {
            if (local != null) {
                local.unlock();
            }
        }
    }

    @FunctionalInterface
    interface Work<T> {
        T apply(Connection c) throws SQLException;
    }
    /** Runs on this thread's locked transaction if there is one, else on a pooled connection in auto-commit. */
    <T> T run(String operation, Work<T> work) {
        Connection bound = lockedTransaction.get();
        if (bound != null) {
            try {
                return work.apply(bound);
            } catch (SQLException e) {
                throw failure(operation, e);
            }
        }
        try (Connection c = connect(operation)) {
            return work.apply(c);
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }
    /** Runs in a transaction of its own, or as part of this thread's locked transaction. */
    <T> T inTransaction(String operation, Work<T> work) {
        if (lockedTransaction.get() != null) {
            return run(operation, work);
        }
        try (Connection c = connect(operation)) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }
    Connection connect(String operation) {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }
    /**
     * A database failure as an exception: retryable when the database is unreachable, busy or the connection was cut
     * (SQLState classes 08, 40, 53, 57, lock timeouts, H2 "database in use"), otherwise a plain failure. Messages hold
     * the SQLState, never a statement's values.
     */
    AgentAuthException failure(String operation, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean transientFailure = e instanceof SQLTransientException || e instanceof SQLRecoverableException
                || e instanceof SQLNonTransientConnectionException || state.startsWith("08")
                || state.startsWith("40") || state.startsWith("53") || state.startsWith("57")
                || state.equals("55P03") || state.equals("HYT00") || state.equals("90020");
        String what = description + ": " + operation + " failed (SQLState " + (state.isEmpty() ? "none" : state)
                + ", " + e.getClass().getSimpleName() + ")";
        if (transientFailure) {
            return new StoreUnavailableException(what + "; nothing stored was lost; " + advice, e);
        }
        return new AgentAuthException(what + "; this is not a connection problem: check the database schema and"
                + " privileges of the store's user", null, null, null, false, e);
    }
    private static ReentrantLock[] newLocks(int n) {
        ReentrantLock[] locks = new ReentrantLock[n];
        for (int i = 0; i < n; i++) {
            locks[i] = new ReentrantLock();
        }
        return locks;
    }
    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; the server rolled back
        }
    }
    private static void closeQuietly(Connection c) {
        try {
            c.setAutoCommit(true); // back to the pool as it came
        } catch (SQLException ignored) {
            // a cut connection; the pool discards it
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // nothing left to release
        }
    }
}
