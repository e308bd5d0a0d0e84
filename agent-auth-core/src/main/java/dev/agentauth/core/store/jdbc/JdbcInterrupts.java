package dev.agentauth.core.store.jdbc;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.store.StoredInterrupt;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code agentauth_interrupt} table behind {@link JdbcTokenStore}'s {@link dev.agentauth.core.store.InterruptStore}
 * methods: one row per paused turn, its payload sealed with the store's keyset and bound to its row by associated
 * data (a payload copied to another row does not decrypt). Thread-safe.
 */
final class JdbcInterrupts {

    private static final String COLUMNS = "interrupt_id, user_id, agent, created_at, purge_at, payload";

    private final JdbcConnections db;
    private final TokenEncryption encryption;
    private final String description;
    private final String upsert;

    JdbcInterrupts(JdbcConnections db, Dialect dialect, TokenEncryption encryption, String description) {
        this.db = db;
        this.encryption = encryption;
        this.description = description;
        this.upsert = dialect.upsert("agentauth_interrupt", List.of(COLUMNS.split(", ")), "interrupt_id");
    }

    void save(StoredInterrupt interrupt) {
        byte[] payload = seal(interrupt);
        db.run("saveInterrupt", c -> {
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                ps.setString(1, interrupt.id());
                ps.setString(2, interrupt.user());
                ps.setString(3, interrupt.agent());
                ps.setLong(4, interrupt.createdAt().toEpochMilli());
                ps.setLong(5, interrupt.purgeAt().toEpochMilli());
                ps.setBytes(6, payload);
                ps.executeUpdate();
            }
            return null;
        });
    }

    Optional<StoredInterrupt> find(String id) {
        return db.run("findInterrupt", c -> select(c, id));
    }

    Optional<StoredInterrupt> take(String id) {
        // Read, then delete: only the caller whose DELETE removed the row gets the interrupt, whatever the number of
        // replicas resuming it at once.
        return db.inTransaction("takeInterrupt", c -> {
            Optional<StoredInterrupt> found = select(c, id);
            if (found.isEmpty()) {
                return found;
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM agentauth_interrupt WHERE interrupt_id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() == 1 ? found : Optional.<StoredInterrupt>empty();
            }
        });
    }

    List<StoredInterrupt> findByUser(String user) {
        return db.run("findInterruptsByUser", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM agentauth_interrupt WHERE user_id = ? ORDER BY created_at, interrupt_id")) {
                ps.setString(1, user);
                List<StoredInterrupt> found = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(read(rs));
                    }
                }
                return found;
            }
        });
    }

    int purge(Instant now) {
        return db.run("purgeExpiredInterrupts", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM agentauth_interrupt WHERE purge_at < ?")) {
                ps.setLong(1, now.toEpochMilli());
                return ps.executeUpdate();
            }
        });
    }

    private Optional<StoredInterrupt> select(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                + " FROM agentauth_interrupt WHERE interrupt_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private StoredInterrupt read(ResultSet rs) throws SQLException {
        String id = rs.getString("interrupt_id");
        String user = rs.getString("user_id");
        String agent = rs.getString("agent");
        String payload;
        try {
            payload = new String(encryption.decrypt(rs.getBytes("payload"), associatedData(id)),
                    StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new AgentAuthException(description + ": interrupt " + id + " does not decrypt: the keyset lacks"
                    + " the key that wrote it, or the row was altered or copied from another row", null,
                    Principal.of(user, agent), null, false, null);
        }
        return new StoredInterrupt(id, user, agent, Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("purge_at")), payload);
    }

    private byte[] seal(StoredInterrupt interrupt) {
        try {
            return encryption.encrypt(interrupt.payload().getBytes(StandardCharsets.UTF_8),
                    associatedData(interrupt.id()));
        } catch (GeneralSecurityException e) {
            throw new AgentAuthException(description + ": encryption failed (" + e.getClass().getSimpleName() + ")",
                    null, null, null, false, null);
        }
    }

    private static byte[] associatedData(String id) {
        return ("agent-auth/v1/agentauth_interrupt/" + id + "/payload").getBytes(StandardCharsets.UTF_8);
    }
}
