package dev.agentauth.core.store.jdbc;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * The seal of a row: an AEAD tag (Tink, the store's keyset) over an empty plaintext whose associated data is every
 * column that decides whose or what the row is. Plain columns are what the store indexes and queries by; the seal is
 * what makes them trustworthy. A row edited in the database ({@code user_id} changed from carol to dave), or a column
 * copied from another row, no longer verifies, and the store refuses to serve it instead of handing carol's token to
 * dave. The row's primary key is always part of the associated data, so a seal copied from another row fails too.
 *
 * <p>Columns enter the associated data in a fixed order, each length-prefixed ({@code -1} for SQL NULL), after the
 * table name and a format version: no two different rows share an encoding. A row is sealed when written and checked
 * whenever it is read. Immutable; one per column list. Thread-safe.
 */
final class RowSeal {

    private static final byte[] EMPTY = new byte[0];

    private final TokenEncryption encryption;
    private final byte[] prefix;

    RowSeal(TokenEncryption encryption, String table) {
        this.encryption = encryption;
        this.prefix = ("agent-auth/seal/v1/" + table).getBytes(StandardCharsets.UTF_8);
    }

    /** The column values of one row, in the seal's order. */
    Values values() {
        return new Values(prefix);
    }

    /** The seal of a row with these values. */
    byte[] seal(Values values) {
        try {
            return encryption.encrypt(EMPTY, values.bytes());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the keyset could not seal a row (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Whether {@code seal} is this row's: {@code false} for a missing seal, an edited column or an unknown key. */
    boolean verifies(byte[] seal, Values values) {
        if (seal == null) {
            return false;
        }
        try {
            encryption.decrypt(seal, values.bytes());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** An ordered, length-prefixed encoding of column values. Not thread-safe; one per row. */
    static final class Values {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        private Values(byte[] prefix) {
            add(prefix);
        }

        Values add(String value) {
            return add(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }

        Values add(long value) {
            return add(ByteBuffer.allocate(8).putLong(value).array());
        }

        /** A nullable number: absent differs from every value. */
        Values add(Long value) {
            return value == null ? add((byte[]) null) : add(value.longValue());
        }

        private Values add(byte[] value) {
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
    }
}
