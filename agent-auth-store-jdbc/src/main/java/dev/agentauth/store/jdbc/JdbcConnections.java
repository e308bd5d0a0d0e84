package dev.agentauth.store.jdbc;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.GrantKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Connections and transactions of a JDBC store: auto-commit calls on pooled connections, short transactions, and the
 * lock of {@link #withGrantLock}, whose connection is bound to the calling thread so the work's store calls run on it
 * (one connection per lock holder, however many store calls the work makes). Database failures become typed
 * exceptions here. Thread-safe.
 *
 * <p><b>Bounded calls.</b> On PostgreSQL every call runs with a network timeout of {@code statementTimeout}
 * ({@link Connection#setNetworkTimeout}, the socket's read timeout): a database that is frozen (a stopped process, a
 * black-holed link) fails the call as {@link StoreUnavailableException} within that bound instead of stalling the
 * caller until TCP gives up. A server-side {@code statement_timeout} cannot do this: a frozen server cancels nothing.
 * The grant lock is tried rather than waited for on the server, so each try is bounded the same way, and waiting for a
 * lock another replica holds ends after {@code lockTimeout}.
 *
 * <p><b>The grant lock</b> is a session-level advisory lock on PostgreSQL ({@code pg_try_advisory_lock}), held on the
 * bound connection and released explicitly when the work ends — or by the server when the holder dies or its
 * connection is cut, so a killed replica never leaves a grant locked. The work's writes commit as they are made,
 * while the lock is held: what a refresher records before it asks the provider survives it if it dies. H2 has no
 * advisory locks and is opened by one process: grants are locked in this JVM.
 */
final class JdbcConnections {

    private static final Executor DIRECT = Runnable::run;

    private final DataSource dataSource;
    private final Dialect dialect;
    private final String description;
    private final String advice;
    private final Duration lockTimeout;
    private final int statementTimeoutMillis;
    /** H2 has no advisory locks: grants are locked in-process, striped. */
    private final ReentrantLock[] localLocks;
    /** The connection of {@link #withGrantLock} or {@link #inTransaction} on this thread; never crosses threads. */
    private final ThreadLocal<Connection> lockedConnection = new ThreadLocal<>();

    JdbcConnections(DataSource dataSource, Dialect dialect, String description, String advice, Duration lockTimeout,
                    Duration statementTimeout) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.description = description;
        this.advice = advice;
        this.lockTimeout = lockTimeout;
        this.statementTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, statementTimeout.toMillis()));
        this.localLocks = dialect == Dialect.H2 ? newLocks(64) : null;
    }

    /** See {@link dev.agentauth.core.store.TokenStore#withGrantLock}. */
    <T> T withGrantLock(GrantKey key, Supplier<T> work) {
        if (lockedConnection.get() != null) {
            return work.get(); // re-entrant: already holding a grant lock on this thread
        }
        String id = JdbcRows.grantId(key);
        ReentrantLock local = localLocks == null ? null : localLocks[Math.floorMod(id.hashCode(), localLocks.length)];
        if (local != null) {
            lockLocally(local, key);
        }
        try {
            Connection c = connect("lock");
            long lockId = JdbcRows.lockId(id);
            try {
                timeout(c, statementTimeoutMillis);
                dialect.lockGrant(c, lockId, lockTimeout);
            } catch (SQLException e) {
                closeQuietly(c);
                throw failure("lock of grant " + key, e);
            }
            lockedConnection.set(c);
            try {
                return work.get();
            } finally {
                lockedConnection.remove();
                unlock(c, lockId);
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

    /** Runs on this thread's locked connection if there is one, else on a pooled connection, in auto-commit. */
    <T> T run(String operation, Work<T> work) {
        return run(operation, statementTimeoutMillis, work);
    }

    /** As {@link #run(String, Work)}, bounded by {@code timeoutMillis} instead of the statement timeout. */
    <T> T run(String operation, long timeoutMillis, Work<T> work) {
        Connection bound = lockedConnection.get();
        if (bound != null) {
            try {
                return work.apply(bound);
            } catch (SQLException e) {
                throw failure(operation, e);
            }
        }
        try (Connection c = connect(operation)) {
            timeout(c, timeoutMillis);
            return work.apply(c);
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    /** The wait a migration may spend behind another replica's: the lock timeout plus the statement timeout. */
    long migrationTimeoutMillis() {
        return lockTimeout.toMillis() + statementTimeoutMillis;
    }

    /**
     * Runs in a transaction of its own: on this thread's bound connection if there is one, else on a pooled one, bound
     * to this thread meanwhile so the store calls the work makes join the transaction.
     */
    <T> T inTransaction(String operation, Work<T> work) {
        Connection bound = lockedConnection.get();
        if (bound != null) {
            try {
                return transaction(bound, work);
            } catch (SQLException e) {
                throw failure(operation, e);
            }
        }
        try (Connection c = connect(operation)) {
            timeout(c, statementTimeoutMillis);
            lockedConnection.set(c); // store calls the work makes on this thread join the transaction
            try {
                return transaction(c, work);
            } finally {
                lockedConnection.remove();
            }
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    private static <T> T transaction(Connection c, Work<T> work) throws SQLException {
        if (!c.getAutoCommit()) {
            return work.apply(c); // nested: part of the transaction already open on this connection
        }
        c.setAutoCommit(false);
        try {
            T result = work.apply(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // a cut connection; the pool discards it
            }
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
     * A database failure as an exception: retryable when the database is unreachable, busy, frozen or the connection
     * was cut (SQLState classes 08, 40, 53, 57, lock and statement timeouts, H2 "database in use"), otherwise a plain
     * failure. Messages hold the SQLState, never a statement's values.
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

    /** The statement bound of a PostgreSQL connection (H2 runs in this process: nothing to freeze). */
    private void timeout(Connection c, long millis) throws SQLException {
        if (dialect == Dialect.POSTGRES) {
            c.setNetworkTimeout(DIRECT, (int) Math.min(Integer.MAX_VALUE, millis));
        }
    }

    private void lockLocally(ReentrantLock local, GrantKey key) {
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

    /** Releases the grant lock; a connection that cannot release it is closed for good, which releases it too. */
    private void unlock(Connection c, long lockId) {
        try {
            dialect.unlockGrant(c, lockId);
            closeQuietly(c);
        } catch (SQLException e) {
            try {
                c.abort(DIRECT); // never back to the pool holding a lock: the server frees it with the session
            } catch (SQLException ignored) {
                // already gone
            }
            closeQuietly(c);
        }
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
            c.close();
        } catch (SQLException ignored) {
            // nothing left to release
        }
    }
}
