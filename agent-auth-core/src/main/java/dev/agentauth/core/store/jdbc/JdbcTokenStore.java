package dev.agentauth.core.store.jdbc;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
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
final class JdbcTokenStore implements TokenStore, InterruptStore {

    private static final List<String> GRANT_COLUMNS = List.of("grant_id", "provider", "flow", "user_id", "agent",
            "scope_key", "audience", "subject_provider", "token_type", "access_token", "refresh_token", "scopes",
            "expires_at", "updated_at", "account");
    private static final List<String> CONSENT_COLUMNS = List.of("state_digest", "consent_id", "provider", "flow",
            "user_id", "agent", "scope_key", "audience", "subject_provider", "principal_user", "principal_agent",
            "scopes", "code_verifier", "redirect_uri", "created_at", "expires_at");
    private static final List<String> OUTCOME_COLUMNS = List.of("consent_id", "status", "provider", "flow", "user_id",
            "agent", "scope_key", "audience", "subject_provider", "principal_user", "principal_agent", "error_code",
            "completed_at", "expires_at");
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final JdbcConnections db;
    private final Dialect dialect;
    private final TokenEncryption encryption;
    private final String description;
    private final AutoCloseable resource;
    private final String upsertGrant;
    private final String upsertConsent;
    private final String upsertOutcome;
    private final JdbcInterrupts interrupts;

    /**
     * @param description names the store in messages, e.g. "PostgreSQL token store at db:5432/agents"
     * @param advice      what to do when it is unreachable
     * @param resource    closed by {@link #close()} (the pool), or {@code null}
     */
    JdbcTokenStore(DataSource dataSource, Dialect dialect, TokenEncryption encryption, String description,
                   String advice, Duration lockTimeout, AutoCloseable resource) {
        this.db = new JdbcConnections(dataSource, dialect, description, advice, lockTimeout);
        this.dialect = dialect;
        this.encryption = encryption;
        this.description = description;
        this.resource = resource;
        this.upsertGrant = dialect.upsert("agentauth_grant", GRANT_COLUMNS, "grant_id");
        this.upsertConsent = dialect.upsert("agentauth_consent", CONSENT_COLUMNS, "state_digest");
        this.upsertOutcome = dialect.upsert("agentauth_consent_outcome", OUTCOME_COLUMNS, "consent_id");
        this.interrupts = new JdbcInterrupts(db, dialect, encryption, description);
    }

    /** Creates or migrates the schema. */
    void migrate(java.time.Clock clock) {
        db.run("schema migration", c -> Schema.migrate(c, dialect, clock, description));
    }

    // ------------------------------------------------------------------------------------------------------ grants

    @Override
    public Optional<StoredGrant> find(GrantKey key) {
        String id = JdbcRows.grantId(key);
        return db.run("find", c -> {
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
        String id = JdbcRows.grantId(grant.key());
        byte[] access = seal(grant.accessToken(), JdbcRows.grantData(id, "access_token"));
        byte[] refresh = grant.refreshToken() == null ? null : seal(grant.refreshToken(), JdbcRows.grantData(id,
                "refresh_token"));
        // The connected account is personal data: encrypted like the tokens, bound to its row.
        byte[] account = grant.account() == null ? null : seal(JdbcRows.accountJson(grant.account()),
                JdbcRows.grantData(id, "account"));
        db.run("save", c -> {
            try (PreparedStatement ps = c.prepareStatement(upsertGrant)) {
                int i = JdbcRows.setKey(ps, 1, id, grant.key());
                ps.setString(i++, grant.tokenType());
                ps.setBytes(i++, access);
                JdbcRows.setBytes(ps, i++, refresh);
                ps.setString(i++, grant.scopes().join(" "));
                JdbcRows.setInstant(ps, i++, grant.expiresAt());
                ps.setLong(i++, grant.updatedAt().toEpochMilli());
                JdbcRows.setBytes(ps, i, account);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public boolean delete(GrantKey key) {
        String id = JdbcRows.grantId(key);
        return db.run("delete", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM agentauth_grant WHERE grant_id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<StoredGrant> findByUser(String user) {
        return db.run("findByUser", c -> {
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
        return db.withGrantLock(key, work);
    }

    // ---------------------------------------------------------------------------------------------------- consents

    @Override
    public void saveConsent(PendingConsent consent) {
        byte[] verifier = consent.codeVerifier() == null ? null : seal(consent.codeVerifier(),
                JdbcRows.consentData(consent.stateDigest()));
        db.run("saveConsent", c -> {
            try (PreparedStatement ps = c.prepareStatement(upsertConsent)) {
                ps.setString(1, consent.stateDigest());
                ps.setString(2, consent.id().value());
                int i = JdbcRows.setKeyColumns(ps, 3, consent.key());
                ps.setString(i++, consent.principal().user());
                ps.setString(i++, consent.principal().agent());
                ps.setString(i++, consent.scopes().join(" "));
                JdbcRows.setBytes(ps, i++, verifier);
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
        return db.inTransaction("takeConsent", c -> {
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
        return db.run("findConsent", c -> selectConsent(c, "consent_id", id.value()));
    }

    @Override
    public int purgeExpiredConsents(Instant now) {
        return db.run("purgeExpiredConsents", c -> {
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
        db.run("saveConsentOutcome", c -> {
            try (PreparedStatement ps = c.prepareStatement(upsertOutcome)) {
                ps.setString(1, outcome.id().value());
                ps.setString(2, outcome.status().name());
                int i = JdbcRows.setKeyColumns(ps, 3, outcome.key());
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
        return db.run("findConsentOutcome", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + String.join(", ", OUTCOME_COLUMNS)
                    + " FROM agentauth_consent_outcome WHERE consent_id = ?")) {
                ps.setString(1, id.value());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<ConsentOutcome>empty();
                    }
                    return Optional.of(new ConsentOutcome(new ConsentId(rs.getString("consent_id")),
                            ConsentOutcome.Status.valueOf(rs.getString("status")), JdbcRows.readKey(rs),
                            new Principal(rs.getString("principal_user"), rs.getString("principal_agent")),
                            rs.getString("error_code"), Instant.ofEpochMilli(rs.getLong("completed_at")),
                            Instant.ofEpochMilli(rs.getLong("expires_at"))));
                }
            }
        });
    }

    // -------------------------------------------------------------------------------------------------- interrupts

    @Override
    public void saveInterrupt(StoredInterrupt interrupt) {
        interrupts.save(interrupt);
    }

    @Override
    public Optional<StoredInterrupt> findInterrupt(String id) {
        return interrupts.find(id);
    }

    @Override
    public Optional<StoredInterrupt> takeInterrupt(String id) {
        return interrupts.take(id);
    }

    @Override
    public List<StoredInterrupt> findInterruptsByUser(String user) {
        return interrupts.findByUser(user);
    }

    @Override
    public int purgeExpiredInterrupts(Instant now) {
        return interrupts.purge(now);
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






    private StoredGrant readGrant(ResultSet rs) throws SQLException {
        String id = rs.getString("grant_id");
        GrantKey key = JdbcRows.readKey(rs);
        byte[] refresh = rs.getBytes("refresh_token");
        long expires = rs.getLong("expires_at");
        Instant expiresAt = rs.wasNull() ? null : Instant.ofEpochMilli(expires);
        byte[] account = rs.getBytes("account");
        return new StoredGrant(key, open(rs.getBytes("access_token"), JdbcRows.grantData(id, "access_token"), key),
                rs.getString("token_type"), refresh == null ? null : open(refresh, JdbcRows.grantData(id,
                "refresh_token"), key), Scopes.parse(rs.getString("scopes")), expiresAt,
                Instant.ofEpochMilli(rs.getLong("updated_at")), account == null ? null
                : JdbcRows.account(open(account, JdbcRows.grantData(id, "account"), key)));
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
                GrantKey key = JdbcRows.readKey(rs);
                byte[] verifier = rs.getBytes("code_verifier");
                return Optional.of(new PendingConsent(new ConsentId(rs.getString("consent_id")), digest, key,
                        new Principal(rs.getString("principal_user"), rs.getString("principal_agent")),
                        Scopes.parse(rs.getString("scopes")),
                        verifier == null ? null : open(verifier, JdbcRows.consentData(digest), key),
                        URI.create(rs.getString("redirect_uri")), Instant.ofEpochMilli(rs.getLong("created_at")),
                        Instant.ofEpochMilli(rs.getLong("expires_at"))));
            }
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
}
