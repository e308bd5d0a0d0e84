package dev.agentauth.store.jdbc;

import dev.agentauth.core.Flow;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.store.GrantKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Base64;

/**
 * How grant keys and values map to table rows: key columns, nullable values, row ids and lock ids, and the associated
 * data that binds each ciphertext to its row and column (so a ciphertext copied to another row does not decrypt).
 * Stateless.
 */
final class JdbcRows {

    private static final java.util.Base64.Encoder B64 = java.util.Base64.getUrlEncoder().withoutPadding();

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private JdbcRows() {
    }

    /** A connected account as the JSON text that is encrypted into its column. */
    static String accountJson(dev.agentauth.core.ConnectedAccount account) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("sub", account.subject());
        if (account.email() != null) {
            m.put("email", account.email());
        }
        if (account.username() != null) {
            m.put("preferred_username", account.username());
        }
        try {
            return JSON.writeValueAsString(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write an account as JSON", e);
        }
    }

    static dev.agentauth.core.ConnectedAccount account(String json) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(json);
            return new dev.agentauth.core.ConnectedAccount(n.path("sub").asText(), text(n, "email"),
                    text(n, "preferred_username"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            return null; // an unreadable account is no account: the grant itself stays usable
        }
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    static GrantKey readKey(ResultSet rs) throws SQLException {
        return new GrantKey(ProviderId.of(rs.getString("provider")), Flow.valueOf(rs.getString("flow")),
                rs.getString("user_id"), rs.getString("agent"), rs.getString("scope_key"), rs.getString("audience"),
                rs.getString("subject_provider") == null ? null : ProviderId.of(rs.getString("subject_provider")));
    }
    static int setKey(PreparedStatement ps, int i, String id, GrantKey key) throws SQLException {
        ps.setString(i, id);
        return setKeyColumns(ps, i + 1, key);
    }
    static int setKeyColumns(PreparedStatement ps, int i, GrantKey key) throws SQLException {
        ps.setString(i++, key.provider().value());
        ps.setString(i++, key.flow().name());
        ps.setString(i++, key.user());
        ps.setString(i++, key.agent());
        ps.setString(i++, key.scopeKey());
        ps.setString(i++, key.audience());
        ps.setString(i++, key.subjectProvider() == null ? null : key.subjectProvider().value());
        return i;
    }
    static void setBytes(PreparedStatement ps, int i, byte[] value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.BINARY);
        } else {
            ps.setBytes(i, value);
        }
    }
    /** The key's columns, in column order, into a row seal's values. */
    static RowSeal.Values addKey(RowSeal.Values values, GrantKey key) {
        return values.add(key.provider().value()).add(key.flow().name()).add(key.user()).add(key.agent())
                .add(key.scopeKey()).add(key.audience())
                .add(key.subjectProvider() == null ? null : key.subjectProvider().value());
    }
    static void setLong(PreparedStatement ps, int i, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, value);
        }
    }
    static void setInstant(PreparedStatement ps, int i, Instant value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, value.toEpochMilli());
        }
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
    static long lockId(String grantId) {
        byte[] d = sha256(grantId.getBytes(StandardCharsets.US_ASCII), grantId.length());
        return ByteBuffer.wrap(d).getLong();
    }
    static byte[] sha256(byte[] data, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(data, 0, length);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
