package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.Flow;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The row crypto a store of another database uses: secrets bound to their row and column, seals over the columns
 * that say whose a row is, and the formats the JDBC stores write with them.
 */
class RowSealTest {

    final TokenEncryption encryption = TokenEncryption.of(TestKeysets.keyset());
    final RowSeal grants = RowSeal.of(encryption, "grants");

    @TempDir
    Path dir;

    @Test
    void decryptWhenSameRowAndColumnThenTheSecretElseNothing() {
        byte[] access = grants.encrypt("carols-token", "row-1", "access_token");

        assertThat(grants.decrypt(access, "row-1", "access_token")).contains("carols-token");
        assertThat(grants.decrypt(access, "row-2", "access_token")).as("copied to another row").isEmpty();
        assertThat(grants.decrypt(access, "row-1", "refresh_token")).as("copied to another column").isEmpty();
        assertThat(RowSeal.of(encryption, "consents").decrypt(access, "row-1", "access_token"))
                .as("copied to another table").isEmpty();
        assertThat(RowSeal.of(TokenEncryption.of(TestKeysets.keyset()), "grants")
                .decrypt(access, "row-1", "access_token")).as("another keyset").isEmpty();
        access[access.length - 1] ^= 1;
        assertThat(grants.decrypt(access, "row-1", "access_token")).as("altered").isEmpty();
        assertThat(grants.decrypt(null, "row-1", "access_token")).as("no ciphertext").isEmpty();
        assertThat(grants.encrypt("carols-token", "row-1", "access_token"))
                .as("a fresh nonce each time").isNotEqualTo(grants.encrypt("carols-token", "row-1", "access_token"));
    }

    @Test
    void verifiesWhenTheSameValuesInTheSameOrderThenTrueElseFalse() {
        byte[] seal = grants.seal(grants.values().add("row-1").add("carol").add((String) null).add(1_700L));

        assertThat(grants.verifies(seal, grants.values().add("row-1").add("carol").add((String) null).add(1_700L)))
                .isTrue();
        assertThat(grants.verifies(seal, grants.values().add("row-1").add("dave").add((String) null).add(1_700L)))
                .as("relabelled").isFalse();
        assertThat(grants.verifies(seal, grants.values().add("row-2").add("carol").add((String) null).add(1_700L)))
                .as("the seal of another row").isFalse();
        assertThat(grants.verifies(seal, grants.values().add("row-1").add("carol").add("").add(1_700L)))
                .as("null is not empty").isFalse();
        assertThat(grants.verifies(seal, grants.values().add("row-1").add("car").add("ol").add(1_700L)))
                .as("values are length-prefixed: no two lists encode alike").isFalse();
        assertThat(grants.verifies(seal, grants.values().add("row-1").add("carol").add((String) null).add(1_701L)))
                .isFalse();
        assertThat(RowSeal.of(encryption, "consents").verifies(seal, RowSeal.of(encryption, "consents").values()
                .add("row-1").add("carol").add((String) null).add(1_700L))).as("another table").isFalse();
        assertThat(grants.verifies(null, grants.values().add("row-1"))).as("no seal").isFalse();
    }

    @Test
    void sealAndSecretsWhenTheSameBytesThenStillNotInterchangeable() {
        byte[] secret = grants.encrypt("", "row-1", "access_token");
        assertThat(grants.verifies(secret, grants.values().add("row-1").add("access_token"))).isFalse();
    }

    @Test
    void ofWhenTableOrColumnCouldMakeTheEncodingAmbiguousThenRefused() {
        assertThatThrownBy(() -> RowSeal.of(encryption, "grants/x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("letters, digits");
        assertThatThrownBy(() -> RowSeal.of(encryption, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> grants.encrypt("s", "row-1", "access/token"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(grants.decrypt(grants.encrypt("s", "a/b", "c"), "a/b", "c")).as("any row id").contains("s");
    }

    @Test
    void printsWithoutValuesOrKeys() {
        assertThat(grants.values().add("carol").toString()).doesNotContain("carol");
        assertThat(grants.toString()).contains("grants").doesNotContain(TokenEncryption.generateKeyset());
    }

    @Test
    void encryptAndDecryptWhenAssociatedDataDiffersThenNothing() {
        byte[] ct = encryption.encrypt("s".getBytes(StandardCharsets.UTF_8), "a".getBytes(StandardCharsets.UTF_8));
        assertThat(encryption.decrypt(ct, "a".getBytes(StandardCharsets.UTF_8))).hasValueSatisfying(
                b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("s"));
        assertThat(encryption.decrypt(ct, "b".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(ct[0]).as("Tink's prefix: version byte, then the key id").isEqualTo((byte) 1);
    }

    /** The documented format is what the JDBC stores write: a grant's token, read back with the public API. */
    @Test
    void decryptWhenAGrantTheEmbeddedStoreWroteThenTheRowSealOfItsTableReadsIt() throws Exception {
        GrantKey key = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "carol", GrantKey.SHARED, "");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (TokenStore store = TokenStores.embedded().directory(dir).encryption(encryption).build()) {
            store.save(new StoredGrant(key, "carols-token", "Bearer", null, Scopes.of("openid"), null, now));
        }
        String id = JdbcRows.grantId(key);
        try (Connection c = EmbeddedTokenStoreTest.rawConnection(dir);
             PreparedStatement ps = c.prepareStatement("SELECT access_token FROM agentauth_grant WHERE grant_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(RowSeal.of(encryption, "agentauth_grant").decrypt(rs.getBytes(1), id, "access_token"))
                        .contains("carols-token");
            }
        }
    }
}
