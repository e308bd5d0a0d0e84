package dev.agentauth.store.jdbc;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code agentauth_consent} and {@code agentauth_consent_outcome} tables behind {@link JdbcTokenStore}: pending
 * consents (claimed by one callback or device poll at a time, retired only together with the grant and outcome they
 * produce) and how consents ended. Each row carries a {@link RowSeal} over the columns that say whose consent it is and
 * what it grants; the PKCE verifier (or device code) is sealed and bound to its row. Thread-safe.
 */
final class JdbcConsents {

    private static final Logger log = LoggerFactory.getLogger(JdbcConsents.class);
    static final String CONSENTS = "agentauth_consent";
    static final String OUTCOMES = "agentauth_consent_outcome";
    private static final List<String> CONSENT_COLUMNS = List.of("state_digest", "consent_id", "provider", "flow",
            "user_id", "agent", "scope_key", "audience", "subject_provider", "principal_user", "principal_agent",
            "scopes", "code_verifier", "redirect_uri", "created_at", "expires_at", "seal", "poll_interval_ms",
            "next_poll_at");
    private static final List<String> OUTCOME_COLUMNS = List.of("consent_id", "status", "provider", "flow", "user_id",
            "agent", "scope_key", "audience", "subject_provider", "principal_user", "principal_agent", "error_code",
            "completed_at", "expires_at", "seal");
    private static final String SELECT_CONSENT = "SELECT " + String.join(", ", CONSENT_COLUMNS) + " FROM " + CONSENTS;

    private final JdbcConnections db;
    private final JdbcGrants grants;
    private final RowSeal consentSeal;
    private final RowSeal outcomeSeal;
    private final String description;
    private final String upsertConsent;
    private final String upsertOutcome;

    JdbcConsents(JdbcConnections db, Dialect dialect, TokenEncryption encryption, JdbcGrants grants,
                 String description) {
        this.db = db;
        this.grants = grants;
        this.consentSeal = RowSeal.of(encryption, CONSENTS);
        this.outcomeSeal = RowSeal.of(encryption, OUTCOMES);
        this.description = description;
        this.upsertConsent = dialect.upsert(CONSENTS, CONSENT_COLUMNS, "state_digest");
        this.upsertOutcome = dialect.upsert(OUTCOMES, OUTCOME_COLUMNS, "consent_id");
    }

    void save(PendingConsent consent) {
        byte[] verifier = consent.codeVerifier() == null ? null
                : consentSeal.encrypt(consent.codeVerifier(), consent.stateDigest(), "code_verifier");
        byte[] seal = consentSeal.seal(values(consent.stateDigest(), consent.id().value(), consent.key(),
                consent.principal(), consent.scopes().join(" "), consent.redirectUri().toString(),
                consent.createdAt().toEpochMilli(), consent.expiresAt().toEpochMilli()));
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
                ps.setLong(i++, consent.expiresAt().toEpochMilli());
                ps.setBytes(i++, seal);
                Duration interval = consent.pollInterval();
                JdbcRows.setLong(ps, i++, interval == null ? null : interval.toMillis());
                JdbcRows.setInstant(ps, i, interval == null ? null : consent.createdAt().plus(interval));
                ps.executeUpdate();
            }
            return null;
        });
    }

    Optional<PendingConsent> claim(String stateDigest, String claimant, Instant now, Instant until) {
        int claimed = db.run("claimConsent", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + CONSENTS + " SET claimed_by = ?,"
                    + " claimed_until = ? WHERE state_digest = ? AND (claimed_until IS NULL OR claimed_until < ?)")) {
                ps.setString(1, claimant);
                ps.setLong(2, until.toEpochMilli());
                ps.setString(3, stateDigest);
                ps.setLong(4, now.toEpochMilli());
                return ps.executeUpdate();
            }
        });
        if (claimed == 0) {
            return Optional.empty();
        }
        try {
            return db.run("claimConsent", c -> select(c, "state_digest", stateDigest));
        } catch (StoreIntegrityException e) {
            delete(stateDigest); // an edited consent is never redeemed, and its state is spent
            throw e;
        }
    }

    void release(String stateDigest, String claimant, Instant nextPollAt, Duration pollInterval) {
        db.run("releaseConsent", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + CONSENTS + " SET claimed_by = NULL,"
                    + " claimed_until = NULL, next_poll_at = ?, poll_interval_ms = ? WHERE state_digest = ?"
                    + " AND claimed_by = ?")) {
                JdbcRows.setInstant(ps, 1, nextPollAt);
                JdbcRows.setLong(ps, 2, pollInterval == null ? null : pollInterval.toMillis());
                ps.setString(3, stateDigest);
                ps.setString(4, claimant);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Grant, outcome and retirement in one transaction (joined to the grant lock's connection when inside it). */
    void complete(PendingConsent consent, StoredGrant grant, ConsentOutcome outcome) {
        db.inTransaction("completeConsent", c -> {
            if (grant != null) {
                grants.save(grant);
            }
            saveOutcome(outcome);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + CONSENTS + " WHERE state_digest = ?")) {
                ps.setString(1, consent.stateDigest());
                ps.executeUpdate();
            }
            return null;
        });
    }

    List<PendingConsent> dueDevices(Instant now, int limit) {
        return db.run("dueDeviceConsents", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_CONSENT + " WHERE next_poll_at IS NOT NULL AND"
                    + " next_poll_at <= ? AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_poll_at")) {
                ps.setLong(1, now.toEpochMilli());
                ps.setLong(2, now.toEpochMilli());
                ps.setMaxRows(limit);
                List<PendingConsent> due = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        try {
                            due.add(read(rs));
                        } catch (StoreIntegrityException e) {
                            log.warn("{}: device consent row {} failed its integrity check; not polled", description,
                                    e.rowId());
                        }
                    }
                }
                return due;
            }
        });
    }

    Optional<PendingConsent> find(ConsentId id) {
        return db.run("findConsent", c -> select(c, "consent_id", id.value()));
    }

    int purge(Instant now) {
        return db.run("purgeExpiredConsents", c -> {
            int removed;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + CONSENTS + " WHERE expires_at < ?")) {
                ps.setLong(1, now.toEpochMilli());
                removed = ps.executeUpdate();
            }
            // An approval's token (USER_APPROVAL) is kept only for the call it was for, which reads it through the
            // approval's outcome: it goes when its access token expires, and at the latest with that outcome.
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + JdbcGrants.TABLE + " WHERE flow = ?"
                    + " AND (expires_at < ? OR EXISTS (SELECT 1 FROM " + OUTCOMES + " o WHERE o.expires_at < ?"
                    + " AND o.flow = " + JdbcGrants.TABLE + ".flow AND o.provider = " + JdbcGrants.TABLE + ".provider"
                    + " AND o.agent = " + JdbcGrants.TABLE + ".agent AND o.scope_key = " + JdbcGrants.TABLE
                    + ".scope_key))")) {
                ps.setString(1, Flow.USER_APPROVAL.name());
                ps.setLong(2, now.toEpochMilli());
                ps.setLong(3, now.toEpochMilli());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + OUTCOMES + " WHERE expires_at < ?")) {
                ps.setLong(1, now.toEpochMilli());
                ps.executeUpdate();
            }
            return removed;
        });
    }

    void saveOutcome(ConsentOutcome outcome) {
        byte[] seal = outcomeSeal.seal(outcomeValues(outcome.id().value(), outcome.status().name(), outcome.key(),
                outcome.principal(), outcome.errorCode(), outcome.completedAt().toEpochMilli(),
                outcome.expiresAt().toEpochMilli()));
        db.run("saveConsentOutcome", c -> {
            try (PreparedStatement ps = c.prepareStatement(upsertOutcome)) {
                ps.setString(1, outcome.id().value());
                ps.setString(2, outcome.status().name());
                int i = JdbcRows.setKeyColumns(ps, 3, outcome.key());
                ps.setString(i++, outcome.principal().user());
                ps.setString(i++, outcome.principal().agent());
                ps.setString(i++, outcome.errorCode());
                ps.setLong(i++, outcome.completedAt().toEpochMilli());
                ps.setLong(i++, outcome.expiresAt().toEpochMilli());
                ps.setBytes(i, seal);
                ps.executeUpdate();
            }
            return null;
        });
    }

    Optional<ConsentOutcome> findOutcome(ConsentId id) {
        return db.run("findConsentOutcome", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + String.join(", ", OUTCOME_COLUMNS) + " FROM "
                    + OUTCOMES + " WHERE consent_id = ?")) {
                ps.setString(1, id.value());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(readOutcome(rs)) : Optional.<ConsentOutcome>empty();
                }
            }
        });
    }

    /**
     * Schema version 5: seals the consents and outcomes written before seals existed, as they are (a pending consent
     * lives minutes; an outcome names no secret). A consent whose verifier does not decrypt stays unsealed (refused).
     */
    void sealExisting(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(SELECT_CONSENT);
             PreparedStatement update = c.prepareStatement("UPDATE " + CONSENTS + " SET seal = ? WHERE state_digest"
                     + " = ?");
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                String digest = rs.getString("state_digest");
                byte[] verifier = rs.getBytes("code_verifier");
                if (verifier != null && consentSeal.decrypt(verifier, digest, "code_verifier").isEmpty()) {
                    continue;
                }
                try {
                    update.setBytes(1, consentSeal.seal(values(rs)));
                } catch (IllegalArgumentException e) {
                    continue; // not a key this library wrote: left unsealed, so refused
                }
                update.setString(2, digest);
                update.addBatch();
            }
            update.executeBatch();
        }
        try (PreparedStatement select = c.prepareStatement("SELECT " + String.join(", ", OUTCOME_COLUMNS) + " FROM "
                + OUTCOMES);
             PreparedStatement update = c.prepareStatement("UPDATE " + OUTCOMES + " SET seal = ? WHERE consent_id = ?");
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                try {
                    update.setBytes(1, outcomeSeal.seal(outcomeValues(rs)));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                update.setString(2, rs.getString("consent_id"));
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    private Optional<PendingConsent> select(Connection c, String column, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT_CONSENT + " WHERE " + column + " = ?")) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private PendingConsent read(ResultSet rs) throws SQLException {
        String digest = rs.getString("state_digest");
        GrantKey key;
        try {
            key = JdbcRows.readKey(rs);
        } catch (IllegalArgumentException e) {
            throw refused(CONSENTS, "consent", digest);
        }
        byte[] sealedVerifier = rs.getBytes("code_verifier");
        String verifier = consentSeal.decrypt(sealedVerifier, digest, "code_verifier").orElse(null);
        if (!consentSeal.verifies(rs.getBytes("seal"), values(rs)) || (sealedVerifier != null && verifier == null)) {
            throw refused(CONSENTS, "consent", digest);
        }
        long interval = rs.getLong("poll_interval_ms");
        Duration pollInterval = rs.wasNull() ? null : Duration.ofMillis(interval);
        return new PendingConsent(new ConsentId(rs.getString("consent_id")), digest, key,
                new Principal(rs.getString("principal_user"), rs.getString("principal_agent")),
                Scopes.parse(rs.getString("scopes")), verifier, URI.create(rs.getString("redirect_uri")),
                Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("expires_at")),
                pollInterval);
    }

    private ConsentOutcome readOutcome(ResultSet rs) throws SQLException {
        String id = rs.getString("consent_id");
        try {
            if (!outcomeSeal.verifies(rs.getBytes("seal"), outcomeValues(rs))) {
                throw refused(OUTCOMES, "consent outcome", id);
            }
            return new ConsentOutcome(new ConsentId(id), ConsentOutcome.Status.valueOf(rs.getString("status")),
                    JdbcRows.readKey(rs), new Principal(rs.getString("principal_user"),
                    rs.getString("principal_agent")), rs.getString("error_code"),
                    Instant.ofEpochMilli(rs.getLong("completed_at")), Instant.ofEpochMilli(rs.getLong("expires_at")));
        } catch (IllegalArgumentException e) {
            throw refused(OUTCOMES, "consent outcome", id);
        }
    }

    private RowSeal.Values values(ResultSet rs) throws SQLException {
        return values(rs.getString("state_digest"), rs.getString("consent_id"), JdbcRows.readKey(rs),
                new Principal(rs.getString("principal_user"), rs.getString("principal_agent")),
                rs.getString("scopes"), rs.getString("redirect_uri"), rs.getLong("created_at"),
                rs.getLong("expires_at"));
    }

    private RowSeal.Values values(String digest, String id, GrantKey key, Principal principal, String scopes,
                                  String redirectUri, long createdAt, long expiresAt) {
        return JdbcRows.addKey(consentSeal.values().add(digest).add(id), key).add(principal.user())
                .add(principal.agent()).add(scopes).add(redirectUri).add(createdAt).add(expiresAt);
    }

    private RowSeal.Values outcomeValues(ResultSet rs) throws SQLException {
        return outcomeValues(rs.getString("consent_id"), rs.getString("status"), JdbcRows.readKey(rs),
                new Principal(rs.getString("principal_user"), rs.getString("principal_agent")),
                rs.getString("error_code"), rs.getLong("completed_at"), rs.getLong("expires_at"));
    }

    private RowSeal.Values outcomeValues(String id, String status, GrantKey key, Principal principal,
                                         String errorCode, long completedAt, long expiresAt) {
        return JdbcRows.addKey(outcomeSeal.values().add(id).add(status), key).add(principal.user())
                .add(principal.agent()).add(errorCode).add(completedAt).add(expiresAt);
    }

    private void delete(String stateDigest) {
        db.run("deleteConsent", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + CONSENTS + " WHERE state_digest = ?")) {
                ps.setString(1, stateDigest);
                return ps.executeUpdate();
            }
        });
    }

    private StoreIntegrityException refused(String table, String what, String id) {
        return new StoreIntegrityException(description + ": " + what + " row " + id + " failed its integrity check:"
                + " it was changed in the database after agent-auth wrote it, or written with a key that is not in this"
                + " keyset. It is not used; the user starts again", table, id, null, null);
    }
}
