package dev.agentauth.store.jdbc;

import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.store.InterruptClaim;
import dev.agentauth.core.store.StoredInterrupt;
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
 * The {@code agentauth_interrupt} table behind {@link JdbcTokenStore}'s {@link dev.agentauth.core.store.InterruptStore}
 * methods: one row per paused turn, kept after its resume as a tombstone until purged. The payload and the resume's
 * progress are sealed with the store's keyset and bound to their row; the row's seal ({@link RowSeal}) binds its owner,
 * times, state and epoch, so a row edited in the database (another user's id, a finished resume set open again) is
 * refused. Every state change is a conditional update on the epoch the caller read: claims are atomic across
 * replicas without holding a lock. Thread-safe.
 */
final class JdbcInterrupts {

    private static final Logger log = LoggerFactory.getLogger(JdbcInterrupts.class);
    static final String TABLE = "agentauth_interrupt";
    private static final List<String> INSERT_COLUMNS = List.of("interrupt_id", "user_id", "agent", "created_at",
            "purge_at", "payload", "seal", "state", "epoch");
    private static final String SELECT = "SELECT interrupt_id, user_id, agent, created_at, purge_at, payload, seal,"
            + " state, epoch, lease_owner, lease_until, progress FROM " + TABLE;

    private final JdbcConnections db;
    private final RowSeal seal;
    private final String description;
    private final String insert;

    JdbcInterrupts(JdbcConnections db, Dialect dialect, TokenEncryption encryption, String description) {
        this.db = db;
        this.seal = RowSeal.of(encryption, TABLE);
        this.description = description;
        this.insert = dialect.insertIfAbsent(TABLE, INSERT_COLUMNS, "interrupt_id");
    }

    /** A row as read and verified, with its coordination columns. */
    private record Row(StoredInterrupt interrupt, long epoch, String progress) {
    }

    void save(StoredInterrupt interrupt) {
        byte[] payload = seal.encrypt(interrupt.payload(), interrupt.id(), "payload");
        byte[] rowSeal = seal.seal(values(interrupt.id(), interrupt.user(), interrupt.agent(),
                interrupt.createdAt().toEpochMilli(), interrupt.purgeAt().toEpochMilli(), StoredInterrupt.State.OPEN,
                0));
        db.run("saveInterrupt", c -> {
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                ps.setString(1, interrupt.id());
                ps.setString(2, interrupt.user());
                ps.setString(3, interrupt.agent());
                ps.setLong(4, interrupt.createdAt().toEpochMilli());
                ps.setLong(5, interrupt.purgeAt().toEpochMilli());
                ps.setBytes(6, payload);
                ps.setBytes(7, rowSeal);
                ps.setString(8, StoredInterrupt.State.OPEN.name());
                ps.setLong(9, 0);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (!Dialect.isDuplicate(e)) {
                    throw e;
                }
                // saved before (a retry after a lost acknowledgement, or already resumed): leave it as it is
            }
            return null;
        });
    }

    Optional<StoredInterrupt> find(String id) {
        return db.run("findInterrupt", c -> select(c, id)).map(Row::interrupt);
    }

    Optional<InterruptClaim> claim(String id, String owner, Instant now, Instant leaseUntil) {
        Row row = db.run("claimInterrupt", c -> select(c, id)).orElse(null);
        if (row == null || !row.interrupt().resumable(now)) {
            return Optional.empty();
        }
        StoredInterrupt i = row.interrupt();
        boolean takeover = i.state() == StoredInterrupt.State.RESUMING;
        long epoch = row.epoch() + 1;
        byte[] newSeal = seal.seal(values(i, StoredInterrupt.State.RESUMING, epoch));
        int updated = db.run("claimInterrupt", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET state = ?, epoch = ?,"
                    + " lease_owner = ?, lease_until = ?, seal = ? WHERE interrupt_id = ? AND epoch = ? AND state = ?")) {
                ps.setString(1, StoredInterrupt.State.RESUMING.name());
                ps.setLong(2, epoch);
                ps.setString(3, owner);
                ps.setLong(4, leaseUntil.toEpochMilli());
                ps.setBytes(5, newSeal);
                ps.setString(6, id);
                ps.setLong(7, row.epoch());
                ps.setString(8, i.state().name());
                return ps.executeUpdate();
            }
        });
        if (updated == 0) {
            return Optional.empty(); // another replica claimed it between our read and our update
        }
        return Optional.of(new InterruptClaim(i.with(StoredInterrupt.State.RESUMING, leaseUntil), owner, epoch,
                leaseUntil, row.progress(), takeover));
    }

    boolean renew(InterruptClaim claim, Instant leaseUntil, String progress) {
        byte[] sealedProgress = progress == null ? null : seal.encrypt(progress, claim.id(), "progress");
        return db.run("renewInterrupt", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET lease_until = ?"
                    + (sealedProgress != null ? ", progress = ?" : "") + " WHERE interrupt_id = ? AND epoch = ?"
                    + " AND state = ?")) {
                int i = 1;
                ps.setLong(i++, leaseUntil.toEpochMilli());
                if (sealedProgress != null) {
                    ps.setBytes(i++, sealedProgress);
                }
                ps.setString(i++, claim.id());
                ps.setLong(i++, claim.epoch());
                ps.setString(i, StoredInterrupt.State.RESUMING.name());
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** The claimed interrupt, done or open again; only from the current epoch. */
    boolean end(InterruptClaim claim, StoredInterrupt.State state) {
        byte[] newSeal = seal.seal(values(claim.interrupt(), state, claim.epoch()));
        return db.run(state == StoredInterrupt.State.DONE ? "finishInterrupt" : "releaseInterrupt", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET state = ?, lease_owner = NULL,"
                    + " lease_until = NULL, seal = ? WHERE interrupt_id = ? AND epoch = ? AND state = ?")) {
                ps.setString(1, state.name());
                ps.setBytes(2, newSeal);
                ps.setString(3, claim.id());
                ps.setLong(4, claim.epoch());
                ps.setString(5, StoredInterrupt.State.RESUMING.name());
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** The user's open and resuming interrupts that verify; a row that does not is logged and left out. */
    List<StoredInterrupt> findByUser(String user) {
        return db.run("findInterruptsByUser", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE user_id = ? AND state <> ?"
                    + " ORDER BY created_at, interrupt_id")) {
                ps.setString(1, user);
                ps.setString(2, StoredInterrupt.State.DONE.name());
                List<StoredInterrupt> found = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        try {
                            found.add(read(rs).interrupt());
                        } catch (StoreIntegrityException e) {
                            log.warn("{}: interrupt row {} filed under a user failed its integrity check and is left"
                                    + " out", description, e.rowId());
                        }
                    }
                }
                return found;
            }
        });
    }

    int purge(Instant now) {
        return db.run("purgeExpiredInterrupts", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + TABLE + " WHERE purge_at < ?")) {
                ps.setLong(1, now.toEpochMilli());
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Schema version 5: the rows written before seals existed (all open: version 4 deleted resumed interrupts) are
     * sealed when their payload decrypts, bound to their id.
     */
    void sealExisting(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(SELECT);
             PreparedStatement update = c.prepareStatement("UPDATE " + TABLE + " SET seal = ? WHERE interrupt_id = ?");
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString("interrupt_id");
                if (seal.decrypt(rs.getBytes("payload"), id, "payload").isEmpty()) {
                    continue;
                }
                update.setBytes(1, seal.seal(values(id, rs.getString("user_id"), rs.getString("agent"),
                        rs.getLong("created_at"), rs.getLong("purge_at"), StoredInterrupt.State.OPEN, 0)));
                update.setString(2, id);
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    private Optional<Row> select(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE interrupt_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private Row read(ResultSet rs) throws SQLException {
        String id = rs.getString("interrupt_id");
        String user = rs.getString("user_id");
        String agent = rs.getString("agent");
        StoredInterrupt.State state;
        try {
            state = StoredInterrupt.State.valueOf(rs.getString("state"));
        } catch (IllegalArgumentException e) {
            throw refused(id);
        }
        long epoch = rs.getLong("epoch");
        long created = rs.getLong("created_at");
        long purge = rs.getLong("purge_at");
        if (!seal.verifies(rs.getBytes("seal"), values(id, user, agent, created, purge, state, epoch))) {
            throw refused(id);
        }
        String payload = seal.decrypt(rs.getBytes("payload"), id, "payload").orElse(null);
        byte[] sealedProgress = rs.getBytes("progress");
        String progress = seal.decrypt(sealedProgress, id, "progress").orElse(null);
        long lease = rs.getLong("lease_until");
        Instant leaseUntil = rs.wasNull() ? null : Instant.ofEpochMilli(lease);
        if (payload == null || (sealedProgress != null && progress == null)
                || (state == StoredInterrupt.State.RESUMING && leaseUntil == null)) {
            throw refused(id);
        }
        return new Row(new StoredInterrupt(id, user, agent, Instant.ofEpochMilli(created), Instant.ofEpochMilli(purge),
                payload, state, state == StoredInterrupt.State.RESUMING ? leaseUntil : null), epoch, progress);
    }

    private RowSeal.Values values(StoredInterrupt i, StoredInterrupt.State state, long epoch) {
        return values(i.id(), i.user(), i.agent(), i.createdAt().toEpochMilli(), i.purgeAt().toEpochMilli(), state,
                epoch);
    }

    private RowSeal.Values values(String id, String user, String agent, long createdAt, long purgeAt,
                                  StoredInterrupt.State state, long epoch) {
        return seal.values().add(id).add(user).add(agent).add(createdAt).add(purgeAt).add(state.name()).add(epoch);
    }

    private StoreIntegrityException refused(String id) {
        return new StoreIntegrityException(description + ": interrupt row " + id + " failed its integrity check: it"
                + " was changed in the database after agent-auth wrote it, or written with a key that is not in this"
                + " keyset. It is not shown or resumed", TABLE, id, null, null);
    }

    @Override
    public String toString() {
        return "JdbcInterrupts[" + description + "]";
    }
}
