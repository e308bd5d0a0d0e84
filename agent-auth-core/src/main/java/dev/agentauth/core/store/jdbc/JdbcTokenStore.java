package dev.agentauth.core.store.jdbc;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * A {@link TokenStore} on a JDBC database: H2 for the embedded default, PostgreSQL for replicas. One row per grant,
 * pending consent and consent outcome; secrets are Tink ciphertexts bound to their row (see {@link TokenEncryption}).
 *
 * <p>{@link #withGrantLock} opens a transaction on its own connection, takes the grant's lock in it (PostgreSQL:
 * {@code pg_advisory_xact_lock}; H2: a lock in this JVM, since one process opens an H2 file) and binds the connection
 * to the calling thread, so the work's reads and writes run in that transaction. The lock goes with the transaction:
 * committed when the work returns, rolled back when it throws, and released by the server when the holder dies or
 * its connection is cut, so a killed replica never leaves a grant locked. Every other call runs on a pooled connection
 * in auto-commit.
 */
final class JdbcTokenStore implements TokenStore {

    private static final List<String> GRANT_COLUMNS = List.of("grant_id", "provider", "flow", "user_id", "agent",
            "scope_key", "audience", "subject_provider", "token_type", "access_token", "refresh_token", "scopes", "expires_at", "updated_at");
    private static final List<String> CONSENT_COLUMNS = List.of("state_digest", "consent_id", "provider", "flow",
            "user_id", "agent", "scope_key", "audience", "subject_provider", "principal_user", "principal_agent", "scopes",
            "code_verifier",
            "redirect_uri", "created_at", "expires_at");
    private static final List<String> OUTCOME_COLUMNS = List.of("consent_id", "status", "provider", "flow", "user_id",
            "agent", "scope_key", "audience", "subject_provider", "principal_user", "principal_agent", "error_code",
            "completed_at", "expires_at");
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final DataSource dataSource;
    private final Dialect dialect;
    private final TokenEncryption encryption;
    private final String description;
    private final String advice;
    private final Duration lockTimeout;
    private final AutoCloseable resource;
    private final String upsertGrant;
    private final String upsertConsent;
    private final String upsertOutcome;
    private final ReentrantLock[] localLocks;
    /** The locked transaction of {@link #withGrantLock} on this thread; never crosses threads. */
    private final ThreadLocal<Connection> lockedTransaction = new ThreadLocal<>();

    /**
     * @param description names the store in messages, e.g. "PostgreSQL token store at db:5432/agents"
     * @param advice      what to do when it is unreachable
     * @param resource    closed by {@link #close()} (the pool), or {@code null}
     */
    JdbcTokenStore(DataSource dataSource, Dialect dialect, TokenEncryption encryption, String description,
                   String advice, Duration lockTimeout, AutoCloseable resource) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.encryption = encryption;
        this.description = description;
        this.advice = advice;
        this.lockTimeout = lockTimeout;
        this.resource = resource;
        this.upsertGrant = dialect.upsert("agentauth_grant", GRANT_COLUMNS, "grant_id");
        this.upsertConsent = dialect.upsert("agentauth_consent", CONSENT_COLUMNS, "state_digest");
        this.upsertOutcome = dialect.upsert("agentauth_consent_outcome", OUTCOME_COLUMNS, "consent_id");
        this.localLocks = dialect == Dialect.H2 ? newLocks(64) : null;
    }

    /** Creates or migrates the schema. */
    void migrate(java.time.Clock clock) {
        run("schema migration", c -> Schema.migrate(c, dialect, clock, description));
    }

    // ------------------------------------------------------------------------------------------------------ grants

    @Override
    public Optional<StoredGrant> find(GrantKey key) {
        String id = grantId(key);
        return run("find", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + String.join(", ", GRANT_COLUMNS)
                    + " FROM agentauth_grant WHERE grant_id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(readGrant(rs)) : Optional.<StoredGrant>empty();
                }
            }
        });
    }

    @Override
    public void save(StoredGrant grant) {
        String id = grantId(grant.key());
        byte[] access = seal(grant.accessToken(), grantData(id, "access_token"));
        byte[] refresh = grant.refreshToken() == null ? null : seal(grant.refreshToken(), grantData(id,
                "refresh_token"));
        run("save", c -> {
            try (PreparedStatement ps = c.prepareStatement(upsertGrant)) {
                int i = setKey(ps, 1, id, grant.key());
                ps.setString(i++, grant.tokenType());
                ps.setBytes(i++, access);
                setBytes(ps, i++, refresh);
                ps.setString(i++, grant.scopes().join(" "));
                setInstant(ps, i++, grant.expiresAt());
                ps.setLong(i, grant.updatedAt().toEpochMilli());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public boolean delete(GrantKey key) {
        String id = grantId(key);
        return run("delete", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM agentauth_grant WHERE grant_id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<StoredGrant> findByUser(String user) {
        return run("findByUser", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + String.join(", ", GRANT_COLUMNS)
                    + " FROM agentauth_grant WHERE user_id = ? ORDER BY provider, agent, flow, scope_key")) {
                ps.setString(1, user);
                try (ResultSet rs = ps.executeQuery()) {
                    List<StoredGrant> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(readGrant(rs));
                    }
                    return List.copyOf(out);
                }
            }
        });
    }

    @Override
    public <T> T withGrantLock(GrantKey key, Supplier<T> work) {
        if (lockedTransaction.get() != null) {
            return work.get(); // re-entrant: already inside a locked transaction on this thread
        }
        String id = grantId(key);
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
                dialect.lockGrant(c, lockId(id), lockTimeout);
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

    // ---------------------------------------------------------------------------------------------------- consents

    @Override
    public void saveConsent(PendingConsent consent) {
        byte[] verifier = consent.codeVerifier() == null ? null : seal(consent.codeVerifier(),
                consentData(consent.stateDigest()));
        run("saveConsent", c -> {
            try (PreparedStatement ps = c.prepareStatement(upsertConsent)) {
                ps.setString(1, consent.stateDigest());
                ps.setString(2, consent.id().value());
                int i = setKeyColumns(ps, 3, consent.key());
                ps.setString(i++, consent.principal().user());
                ps.setString(i++, consent.principal().agent());
                ps.setString(i++, consent.scopes().join(" "));
                setBytes(ps, i++, verifier);
                ps.setString(i++, consent.redirectUri().toString());
                ps.setLong(i++, consent.createdAt().toEpochMilli());
                ps.setLong(i, consent.expiresAt().toEpochMilli());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<PendingConsent> takeConsent(String stateDigest) {
        // Read, then delete: only the caller whose DELETE removed the row gets the consent (single use, RFC 6749
        // §10.12), whatever the number of replicas racing with the same state.
        return inTransaction("takeConsent", c -> {
            Optional<PendingConsent> found = selectConsent(c, "state_digest", stateDigest);
            if (found.isEmpty()) {
                return found;
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM agentauth_consent WHERE state_digest = ?")) {
                ps.setString(1, stateDigest);
                return ps.executeUpdate() == 1 ? found : Optional.<PendingConsent>empty();
            }
        });
    }

    @Override
    public Optional<PendingConsent> findConsent(ConsentId id) {
        return run("findConsent", c -> selectConsent(c, "consent_id", id.value()));
    }

    @Override
    public int purgeExpiredConsents(Instant now) {
        return run("purgeExpiredConsents", c -> {
            int removed;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM agentauth_consent WHERE expires_at < ?")) {
                ps.setLong(1, now.toEpochMilli());
                removed = ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM agentauth_consent_outcome WHERE expires_at < ?")) {
                ps.setLong(1, now.toEpochMilli());
                ps.executeUpdate();
            }
            return removed;
        });
    }

    @Override
    public void saveConsentOutcome(ConsentOutcome outcome) {
        run("saveConsentOutcome", c -> {
            try (PreparedStatement ps = c.prepareStatement(upsertOutcome)) {
                ps.setString(1, outcome.id().value());
                ps.setString(2, outcome.status().name());
                int i = setKeyColumns(ps, 3, outcome.key());
                ps.setString(i++, outcome.principal().user());
                ps.setString(i++, outcome.principal().agent());
                ps.setString(i++, outcome.errorCode());
                ps.setLong(i++, outcome.completedAt().toEpochMilli());
                ps.setLong(i, outcome.expiresAt().toEpochMilli());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<ConsentOutcome> findConsentOutcome(ConsentId id) {
        return run("findConsentOutcome", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + String.join(", ", OUTCOME_COLUMNS)
                    + " FROM agentauth_consent_outcome WHERE consent_id = ?")) {
                ps.setString(1, id.value());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<ConsentOutcome>empty();
                    }
                    return Optional.of(new ConsentOutcome(new ConsentId(rs.getString("consent_id")),
                            ConsentOutcome.Status.valueOf(rs.getString("status")), readKey(rs),
                            new Principal(rs.getString("principal_user"), rs.getString("principal_agent")),
                            rs.getString("error_code"), Instant.ofEpochMilli(rs.getLong("completed_at")),
                            Instant.ofEpochMilli(rs.getLong("expires_at"))));
                }
            }
        });
    }

    @Override
    public boolean sharedAcrossProcesses() {
        return dialect == Dialect.POSTGRES;
    }

    @Override
    public void close() {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new StoreUnavailableException(description + ": closing failed ("
                        + e.getClass().getSimpleName() + ")", e);
            }
        }
    }

    @Override
    public String toString() {
        return "JdbcTokenStore[" + description + ", schema version " + Schema.LATEST + ", " + encryption + "]";
    }

    // -------------------------------------------------------------------------------------------------- internals

    @FunctionalInterface
    private interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    /** Runs on this thread's locked transaction if there is one, else on a pooled connection in auto-commit. */
    private <T> T run(String operation, Work<T> work) {
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
    private <T> T inTransaction(String operation, Work<T> work) {
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

    private Connection connect(String operation) {
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

    private StoredGrant readGrant(ResultSet rs) throws SQLException {
        String id = rs.getString("grant_id");
        GrantKey key = readKey(rs);
        byte[] refresh = rs.getBytes("refresh_token");
        long expires = rs.getLong("expires_at");
        Instant expiresAt = rs.wasNull() ? null : Instant.ofEpochMilli(expires);
        return new StoredGrant(key, open(rs.getBytes("access_token"), grantData(id, "access_token"), key),
                rs.getString("token_type"), refresh == null ? null : open(refresh, grantData(id, "refresh_token"), key),
                Scopes.parse(rs.getString("scopes")), expiresAt, Instant.ofEpochMilli(rs.getLong("updated_at")));
    }

    private Optional<PendingConsent> selectConsent(Connection c, String column, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + String.join(", ", CONSENT_COLUMNS)
                + " FROM agentauth_consent WHERE " + column + " = ?")) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String digest = rs.getString("state_digest");
                GrantKey key = readKey(rs);
                byte[] verifier = rs.getBytes("code_verifier");
                return Optional.of(new PendingConsent(new ConsentId(rs.getString("consent_id")), digest, key,
                        new Principal(rs.getString("principal_user"), rs.getString("principal_agent")),
                        Scopes.parse(rs.getString("scopes")),
                        verifier == null ? null : open(verifier, consentData(digest), key),
                        URI.create(rs.getString("redirect_uri")), Instant.ofEpochMilli(rs.getLong("created_at")),
                        Instant.ofEpochMilli(rs.getLong("expires_at"))));
            }
        }
    }

    private static GrantKey readKey(ResultSet rs) throws SQLException {
        return new GrantKey(ProviderId.of(rs.getString("provider")), Flow.valueOf(rs.getString("flow")),
                rs.getString("user_id"), rs.getString("agent"), rs.getString("scope_key"), rs.getString("audience"),
                rs.getString("subject_provider") == null ? null : ProviderId.of(rs.getString("subject_provider")));
    }

    private static int setKey(PreparedStatement ps, int i, String id, GrantKey key) throws SQLException {
        ps.setString(i, id);
        return setKeyColumns(ps, i + 1, key);
    }

    private static int setKeyColumns(PreparedStatement ps, int i, GrantKey key) throws SQLException {
        ps.setString(i++, key.provider().value());
        ps.setString(i++, key.flow().name());
        ps.setString(i++, key.user());
        ps.setString(i++, key.agent());
        ps.setString(i++, key.scopeKey());
        ps.setString(i++, key.audience());
        ps.setString(i++, key.subjectProvider() == null ? null : key.subjectProvider().value());
        return i;
    }

    private static void setBytes(PreparedStatement ps, int i, byte[] value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.BINARY);
        } else {
            ps.setBytes(i, value);
        }
    }

    private static void setInstant(PreparedStatement ps, int i, Instant value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, value.toEpochMilli());
        }
    }

    private byte[] seal(String secret, byte[] associatedData) {
        try {
            return encryption.encrypt(secret.getBytes(StandardCharsets.UTF_8), associatedData);
        } catch (GeneralSecurityException e) {
            throw new AgentAuthException(description + ": encryption failed (" + e.getClass().getSimpleName() + ")",
                    null, null, null, false, null);
        }
    }

    private String open(byte[] ciphertext, byte[] associatedData, GrantKey key) {
        try {
            return new String(encryption.decrypt(ciphertext, associatedData), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            // No cause attached: Tink's exception says nothing useful and nothing of the ciphertext belongs in a log.
            throw new AgentAuthException(description + ": a stored secret of " + key + " does not decrypt: the"
                    + " keyset lacks the key that wrote it, or the row was altered or copied from another row."
                    + " Restore the keyset, or disconnect the user to remove the grant", key.provider(),
                    key.user() == null ? null : new Principal(key.user(), key.agent()), null, false, null);
        }
    }

    /** Associated data binding a grant's ciphertext to its row and column. */
    private static byte[] grantData(String grantId, String column) {
        return ("agent-auth/v1/agentauth_grant/" + grantId + "/" + column).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] consentData(String stateDigest) {
        return ("agent-auth/v1/agentauth_consent/" + stateDigest + "/code_verifier").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The row id of a grant: SHA-256 over the key's fields, each length-prefixed (so no two keys collide by
     * concatenation; a null user differs from every string), base64url. Audience and subject provider enter in the
     * form schema version 1 kept them in, inside the scope key ({@link Schema#legacyScopeKey}): row ids, and the
     * associated data that binds each ciphertext to its row, stay what they were, so migrated rows still decrypt.
     * Scopes contain no space (RFC 6749 §3.3), so that form is unambiguous.
     */
    static String grantId(GrantKey key) {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        for (String part : new String[] {key.provider().value(), key.flow().name(), key.user(), key.agent(),
                Schema.legacyScopeKey(key)}) {
            if (part == null) {
                buf.putInt(-1);
            } else {
                byte[] b = part.getBytes(StandardCharsets.UTF_8);
                if (buf.remaining() < b.length + 4) {
                    buf = ByteBuffer.allocate(buf.capacity() * 2 + b.length).put(buf.flip());
                }
                buf.putInt(b.length).put(b);
            }
        }
        return B64.encodeToString(sha256(buf.array(), buf.position()));
    }

    /** The advisory lock id of a grant: the first 8 bytes of its id's digest. */
    private static long lockId(String grantId) {
        byte[] d = sha256(grantId.getBytes(StandardCharsets.US_ASCII), grantId.length());
        return ByteBuffer.wrap(d).getLong();
    }

    private static byte[] sha256(byte[] data, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(data, 0, length);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
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
