package dev.agentauth.store.jdbc;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a stored row is trusted, for one table (or collection, or key prefix): its secrets encrypted and bound to the row
 * and column they belong to, and a <em>seal</em> over the columns that say whose or what the row is. The JDBC stores
 * keep every row this way; a store you write for another database (DynamoDB, Redis, …) can do the same with the same
 * keyset:
 *
 * <pre>{@code
 * RowSeal grants = RowSeal.of(encryption, "grants");
 *
 * // writing a grant: the secrets, bound to this row and column; then the seal over the columns that decide whose it is
 * byte[] access = grants.encrypt(grant.accessToken(), rowId, "access_token");
 * byte[] seal = grants.seal(grants.values().add(rowId).add(key.provider().value()).add(key.flow().name())
 *         .add(key.user()).add(key.agent()).add(key.scopeKey()).add(grant.expiresAt() == null ? null
 *                 : grant.expiresAt().toEpochMilli()));
 *
 * // reading it back: the same values, from the row as read; refuse the row unless the seal verifies and every
 * // secret decrypts
 * if (!grants.verifies(item.seal(), grants.values().add(item.rowId()).add(item.provider()) ...)) {
 *     throw new StoreIntegrityException("grant row " + item.rowId() + " failed its integrity check", "grants",
 *             item.rowId(), null, null);
 * }
 * String token = grants.decrypt(item.accessToken(), item.rowId(), "access_token").orElseThrow(...);
 * }</pre>
 *
 * <p><b>Why both.</b> A store indexes and queries by plain columns (user, provider, agent); nothing stops someone with
 * write access to the database from relabelling carol's row as dave's. The secrets' binding makes a ciphertext copied
 * into another row or column unreadable; the seal makes an edited plain column detectable: a row whose seal does not
 * verify is not served to anyone. The row id is the first sealed value, so a seal copied from another row fails too.
 * Seal every column that decides whose or what a row is; leave out only what the store changes without the keyset
 * (a lease time, say) — and then never let such a column decide whose the row is.
 *
 * <p><b>Formats</b> (stable: what the JDBC stores wrote stays readable). A secret is a Tink AEAD ciphertext
 * ({@link TokenEncryption#encrypt}) of its UTF-8 bytes with associated data
 * {@code agent-auth/v1/<table>/<rowId>/<column>}. A seal is a Tink AEAD ciphertext of no bytes whose associated data
 * is the list {@code agent-auth/seal/v1/<table>}, then each value in order, each as a 4-byte big-endian length
 * ({@code -1} for null) and its bytes: no two different value lists encode alike. Table and column names are letters, digits,
 * {@code _}, {@code .} and {@code -}, so neither encoding is ambiguous; a row id may be any text.
 *
 * <p>Immutable and thread-safe; nothing blocks. The {@link Values} of one row are not thread-safe.
 *
 * @since 0.3.0
 */
public final class RowSeal {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final byte[] EMPTY = new byte[0];

    private final TokenEncryption encryption;
    private final String table;
    private final byte[] sealPrefix;
    private final String secretPrefix;

    private RowSeal(TokenEncryption encryption, String table) {
        this.encryption = encryption;
        this.table = table;
        this.sealPrefix = ("agent-auth/seal/v1/" + table).getBytes(StandardCharsets.UTF_8);
        this.secretPrefix = "agent-auth/v1/" + table + "/";
    }

    /**
     * The rows of {@code table} under {@code encryption}'s keyset.
     *
     * @param table the table, collection or key prefix; letters, digits, {@code _}, {@code .}, {@code -}. Rows of
     *              different tables never verify or decrypt as each other's.
     */
    public static RowSeal of(TokenEncryption encryption, String table) {
        Objects.requireNonNull(encryption, "encryption");
        return new RowSeal(encryption, name(table, "table"));
    }

    /** The table these rows belong to. */
    public String table() {
        return table;
    }

    /**
     * {@code secret} encrypted with the keyset's primary key, bound to row {@code rowId} and {@code column} of this
     * table: it decrypts only with the same three.
     *
     * @throws dev.agentauth.core.AgentAuthException the keyset could not encrypt (not expected of an AEAD keyset)
     */
    public byte[] encrypt(String secret, String rowId, String column) {
        Objects.requireNonNull(secret, "secret");
        return encryption.encrypt(secret.getBytes(StandardCharsets.UTF_8), secretData(rowId, column));
    }

    /**
     * The secret {@link #encrypt} wrote for this row and column; empty when there is none ({@code ciphertext} is
     * {@code null}) or it does not decrypt — altered, copied from another row or column, or written with a key the
     * keyset no longer holds. Treat the latter as a {@link dev.agentauth.core.StoreIntegrityException} for the row;
     * nothing of the ciphertext belongs in a message.
     */
    public Optional<String> decrypt(byte[] ciphertext, String rowId, String column) {
        byte[] data = secretData(rowId, column);
        if (ciphertext == null) {
            return Optional.empty();
        }
        return encryption.decrypt(ciphertext, data).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    /** An empty list of one row's column values, to {@link #seal} or {@link #verifies check}. */
    public Values values() {
        return new Values(sealPrefix);
    }

    /**
     * The seal of a row with these values: store it beside them.
     *
     * @throws dev.agentauth.core.AgentAuthException the keyset could not encrypt (not expected of an AEAD keyset)
     */
    public byte[] seal(Values row) {
        Objects.requireNonNull(row, "row");
        return encryption.encrypt(EMPTY, row.bytes());
    }

    /**
     * Whether {@code seal} is the seal of a row with these values: {@code false} for a missing seal ({@code null}), a
     * value that changed, values of another table, or a seal written with a key the keyset no longer holds.
     */
    public boolean verifies(byte[] seal, Values row) {
        Objects.requireNonNull(row, "row");
        return seal != null && encryption.decrypt(seal, row.bytes()).isPresent();
    }

    private byte[] secretData(String rowId, String column) {
        Objects.requireNonNull(rowId, "rowId");
        return (secretPrefix + rowId + "/" + name(column, "column")).getBytes(StandardCharsets.UTF_8);
    }

    private static String name(String name, String what) {
        Objects.requireNonNull(name, what);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + name + "' must be letters, digits, '_', '.' or '-'");
        }
        return name;
    }

    @Override
    public String toString() {
        return "RowSeal[" + table + ", " + encryption + "]";
    }

    /**
     * The column values of one row, in the order they are added: an ordered, length-prefixed encoding. Add them in the
     * same order when sealing and when checking. Not thread-safe; one per row.
     */
    public static final class Values {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        private Values(byte[] prefix) {
            add(prefix);
        }

        /** A text value, as UTF-8; {@code null} (SQL NULL, an absent attribute) differs from every text. */
        public Values add(String value) {
            return add(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }

        /** A number, as 8 bytes big-endian. */
        public Values add(long value) {
            return add(ByteBuffer.allocate(8).putLong(value).array());
        }

        /** A nullable number: absent differs from every value. */
        public Values add(Long value) {
            return value == null ? add((byte[]) null) : add(value.longValue());
        }

        /** Bytes as they are; {@code null} differs from every value, the empty array included. */
        public Values add(byte[] value) {
            int length = value == null ? -1 : value.length;
            out.writeBytes(ByteBuffer.allocate(4).putInt(length).array());
            if (value != null) {
                out.writeBytes(value);
            }
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        /** Says how many bytes, never a value (a row's values may name a user). */
        @Override
        public String toString() {
            return "RowSeal.Values[" + out.size() + " bytes]";
        }
    }
}
