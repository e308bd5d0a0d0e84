package dev.agentauth.store.jdbc;

import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code agentauth_grant} table behind {@link JdbcTokenStore}: one row per grant, its id a digest of its key. The
 * tokens and the connected account are sealed ciphertexts bound to the row id; the row's seal ({@link RowSeal}) binds
 * the row id to every column that says whose or what the grant is. A row is served only when its id is the digest of
 * its key columns, its seal verifies and its secrets decrypt; otherwise it is a {@link StoreIntegrityException} for that
 * row alone. Thread-safe.
 */
final class JdbcGrants {

    private static final Logger log = LoggerFactory.getLogger(JdbcGrants.class);
    static final String TABLE = "agentauth_grant";
    private static final List<String> COLUMNS = List.of("grant_id", "provider", "flow", "user_id", "agent",
            "scope_key", "audience", "subject_provider", "token_type", "access_token", "refresh_token", "scopes",
            "expires_at", "updated_at", "account", "seal", "refresh_started_at");
    private static final String SELECT = "SELECT " + String.join(", ", COLUMNS) + " FROM " + TABLE;

    private final JdbcConnections db;
    private final RowSeal seal;
    private final String description;
    private final String upsert;

    JdbcGrants(JdbcConnections db, Dialect dialect, TokenEncryption encryption, String description) {
        this.db = db;
        this.seal = RowSeal.of(encryption, TABLE);
        this.description = description;
        this.upsert = dialect.upsert(TABLE, COLUMNS, "grant_id");
    }

    Optional<StoredGrant> find(GrantKey key) {
        String id = JdbcRows.grantId(key);
        return db.run("find", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE grant_id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs, key)) : Optional.<StoredGrant>empty();
                }
            }
        });
    }

    void save(StoredGrant grant) {
        String id = JdbcRows.grantId(grant.key());
        byte[] access = seal.encrypt(grant.accessToken(), id, "access_token");
        byte[] refresh = grant.refreshToken() == null ? null
                : seal.encrypt(grant.refreshToken(), id, "refresh_token");
        // The connected account is personal data: encrypted like the tokens, bound to its row.
        byte[] account = grant.account() == null ? null
                : seal.encrypt(JdbcRows.accountJson(grant.account()), id, "account");
        String scopes = grant.scopes().join(" ");
        Long expires = grant.expiresAt() == null ? null : grant.expiresAt().toEpochMilli();
        byte[] rowSeal = seal.seal(values(id, grant.key(), grant.tokenType(), scopes, expires,
                grant.updatedAt().toEpochMilli()));
        db.run("save", c -> {
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                int i = JdbcRows.setKey(ps, 1, id, grant.key());
                ps.setString(i++, grant.tokenType());
                ps.setBytes(i++, access);
                JdbcRows.setBytes(ps, i++, refresh);
                ps.setString(i++, scopes);
                JdbcRows.setInstant(ps, i++, grant.expiresAt());
                ps.setLong(i++, grant.updatedAt().toEpochMilli());
                JdbcRows.setBytes(ps, i++, account);
                ps.setBytes(i++, rowSeal);
                JdbcRows.setInstant(ps, i, null); // a saved grant ends any refresh in flight
                ps.executeUpdate();
            }
            return null;
        });
    }

    boolean delete(GrantKey key) {
        String id = JdbcRows.grantId(key);
        return db.run("delete", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + TABLE + " WHERE grant_id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** The user's grants that verify; a row that does not is logged and left out, never served. */
    List<StoredGrant> findByUser(String user) {
        List<StoredGrant> found = new ArrayList<>();
        for (Row row : rowsOf(user, null)) {
            if (row.grant != null) {
                found.add(row.grant);
            } else {
                log.warn("{}: grant row {} filed under a user failed its integrity check and is left out; the user"
                        + " connects again, or disconnecting removes it", description, row.id);
            }
        }
        return List.copyOf(found);
    }

    /** Removes the rows filed under {@code user} (and {@code provider}, when given) that do not verify. */
    int deleteUnverifiable(String user, ProviderId provider) {
        int removed = 0;
        for (Row row : rowsOf(user, provider)) {
            if (row.grant == null) {
                String id = row.id;
                removed += db.run("deleteUnverifiable", c -> {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + TABLE + " WHERE grant_id = ?")) {
                        ps.setString(1, id);
                        return ps.executeUpdate();
                    }
                });
                log.warn("{}: removed grant row {}, which failed its integrity check", description, id);
            }
        }
        return removed;
    }

    /**
     * Records that a refresh of {@code key} begins, and returns when an earlier one began that never ended (its
     * refresher stopped before saving what the provider answered). Committed at once, even inside the grant lock.
     */
    Optional<Instant> beginRefresh(GrantKey key, Instant now) {
        String id = JdbcRows.grantId(key);
        return db.run("beginRefresh", c -> {
            Optional<Instant> earlier;
            try (PreparedStatement ps = c.prepareStatement("SELECT refresh_started_at FROM " + TABLE
                    + " WHERE grant_id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    long at = rs.next() ? rs.getLong(1) : 0;
                    earlier = at == 0 || rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(at));
                }
            }
            mark(c, id, now);
            return earlier;
        });
    }

    /** A refresh ended without a new grant (the provider failed or refused): no longer in flight. */
    void endRefresh(GrantKey key) {
        String id = JdbcRows.grantId(key);
        db.run("endRefresh", c -> {
            mark(c, id, null);
            return null;
        });
    }

    private static void mark(Connection c, String id, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET refresh_started_at = ?"
                + " WHERE grant_id = ?")) {
            JdbcRows.setInstant(ps, 1, at);
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    /**
     * Schema version 5: seals the rows written before seals existed. A row is sealed only if it is intact by what
     * version 4 could check: its id is its key's digest and its access token decrypts (bound to that id). Rows that
     * are not stay unsealed, and so are refused from now on.
     */
    void sealExisting(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(SELECT);
             PreparedStatement update = c.prepareStatement("UPDATE " + TABLE + " SET seal = ? WHERE grant_id = ?");
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString("grant_id");
                GrantKey key;
                try {
                    key = JdbcRows.readKey(rs);
                } catch (IllegalArgumentException e) {
                    continue; // not a key this library wrote: left unsealed, so refused
                }
                if (!JdbcRows.grantId(key).equals(id)
                        || seal.decrypt(rs.getBytes("access_token"), id, "access_token").isEmpty()) {
                    log.warn("{}: grant row {} is not intact; left unsealed, so it is refused", description, id);
                    continue;
                }
                update.setBytes(1, seal.seal(values(id, key, rs)));
                update.setString(2, id);
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    /** A row as read: the grant when it verifies, else {@code null}. */
    private record Row(String id, StoredGrant grant) {
    }

    private List<Row> rowsOf(String user, ProviderId provider) {
        return db.run("findByUser", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE user_id = ?"
                    + (provider != null ? " AND (provider = ? OR subject_provider = ?)" : "")
                    + " ORDER BY provider, agent, flow, scope_key")) {
                ps.setString(1, user);
                if (provider != null) {
                    ps.setString(2, provider.value());
                    ps.setString(3, provider.value());
                }
                List<Row> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String id = rs.getString("grant_id");
                        try {
                            rows.add(new Row(id, read(rs, null)));
                        } catch (StoreIntegrityException | IllegalArgumentException e) {
                            rows.add(new Row(id, null));
                        }
                    }
                }
                return rows;
            }
        });
    }

    /**
     * The row's grant, after its checks. {@code requested} is the key the caller looked up (its principal goes into
     * the error), or {@code null} for a listing.
     */
    private StoredGrant read(ResultSet rs, GrantKey requested) throws SQLException {
        String id = rs.getString("grant_id");
        GrantKey key;
        try {
            key = JdbcRows.readKey(rs);
        } catch (IllegalArgumentException e) {
            throw refused(id, requested); // an unknown flow or a malformed provider id: edited
        }
        if (!JdbcRows.grantId(key).equals(id) || (requested != null && !requested.equals(key))
                || !seal.verifies(rs.getBytes("seal"), values(id, key, rs))) {
            throw refused(id, requested);
        }
        String access = seal.decrypt(rs.getBytes("access_token"), id, "access_token").orElse(null);
        byte[] refreshSealed = rs.getBytes("refresh_token");
        String refresh = seal.decrypt(refreshSealed, id, "refresh_token").orElse(null);
        byte[] accountSealed = rs.getBytes("account");
        String account = seal.decrypt(accountSealed, id, "account").orElse(null);
        if (access == null || (refreshSealed != null && refresh == null)
                || (accountSealed != null && account == null)) {
            throw refused(id, requested);
        }
        long expires = rs.getLong("expires_at");
        Instant expiresAt = rs.wasNull() ? null : Instant.ofEpochMilli(expires);
        return new StoredGrant(key, access, rs.getString("token_type"), refresh, Scopes.parse(rs.getString("scopes")),
                expiresAt, Instant.ofEpochMilli(rs.getLong("updated_at")),
                account == null ? null : JdbcRows.account(account));
    }

    private RowSeal.Values values(String id, GrantKey key, ResultSet rs) throws SQLException {
        long expires = rs.getLong("expires_at");
        Long expiresAt = rs.wasNull() ? null : expires;
        return values(id, key, rs.getString("token_type"), rs.getString("scopes"), expiresAt,
                rs.getLong("updated_at"));
    }

    private RowSeal.Values values(String id, GrantKey key, String tokenType, String scopes, Long expiresAt,
                                  long updatedAt) {
        return JdbcRows.addKey(seal.values().add(id), key).add(tokenType).add(scopes).add(expiresAt).add(updatedAt);
    }

    private StoreIntegrityException refused(String id, GrantKey requested) {
        return new StoreIntegrityException(description + ": grant row " + id + " failed its integrity check: it was"
                + " changed in the database after agent-auth wrote it, or written with a key that is not in this"
                + " keyset. It is not used; the user connects again (or disconnects, which removes it)", TABLE, id,
                requested == null ? null : requested.provider(),
                requested == null ? null : new Principal(requested.user(), requested.agent()));
    }
}
