package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.EmbeddedPg;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows edited in the database are refused, one row at a time, on both databases: every column that says whose or what
 * a row is (user, agent, provider, flow, scope key, scopes, interrupt owner, state) is bound to the row's seal, so
 * carol's grant edited to name dave is served to neither, listed for neither, and removable by dave's disconnect; an
 * edited interrupt is neither shown nor resumable; and a database written by schema version 4 is sealed on upgrade.
 */
class RowIntegrityTest {

    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    static final GrantKey CAROL = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "carol", GrantKey.SHARED, "");
    static final GrantKey DAVE = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "dave", GrantKey.SHARED, "");

    abstract static class Contract {

        TokenStore store;

        abstract TokenStore open();

        abstract void sql(String statement) throws SQLException;

        InterruptStore interrupts() {
            return (InterruptStore) store;
        }

        @BeforeEach
        void openStore() {
            store = open();
        }

        @AfterEach
        void closeStore() {
            store.close();
        }

        @Test
        void grantWhenUserIdEditedThenServedToNobodyListedForNobodyAndRemovedByDisconnect() throws Exception {
            store.save(new StoredGrant(CAROL, "carol-token", "Bearer", "carol-refresh", Scopes.of("repo"), null, NOW));
            store.save(new StoredGrant(DAVE, "dave-token", "Bearer", null, Scopes.of("repo"), null, NOW));
            sql("UPDATE agentauth_grant SET user_id = 'dave' WHERE user_id = 'carol'");

            assertThatThrownBy(() -> store.find(CAROL)).isInstanceOfSatisfying(StoreIntegrityException.class, e -> {
                assertThat(e.principal().user()).isEqualTo("carol");
                assertThat(e.getMessage()).doesNotContain("carol-token", "carol-refresh", "dave");
            });
            assertThat(store.find(DAVE).orElseThrow().accessToken()).isEqualTo("dave-token");
            assertThat(store.findByUser("dave")).extracting(StoredGrant::accessToken).containsExactly("dave-token");
            assertThat(store.findByUser("carol")).isEmpty();

            assertThat(store.deleteUnverifiable("dave", ProviderId.of("github"))).isZero();
            assertThat(store.deleteUnverifiable("dave", ProviderId.of("corp"))).isEqualTo(1);
            assertThat(store.find(DAVE)).isPresent();
            assertThat(store.find(CAROL)).as("gone: carol connects again").isEmpty();
            store.save(new StoredGrant(CAROL, "carol-new", "Bearer", null, Scopes.of("repo"), null, NOW));
            assertThat(store.find(CAROL).orElseThrow().accessToken()).isEqualTo("carol-new");
        }

        @Test
        void grantWhenAnyDecidingColumnEditedThenRefused() throws Exception {
            for (String edit : List.of("provider = 'other'", "flow = 'CLIENT_CREDENTIALS'", "agent = 'other-agent'",
                    "scope_key = 'admin'", "scopes = 'repo admin'", "token_type = 'DPoP'",
                    "audience = 'https://elsewhere'", "expires_at = 4102444800000", "seal = NULL")) {
                store.save(new StoredGrant(CAROL, "carol-token", "Bearer", null, Scopes.of("repo"),
                        NOW.plusSeconds(60), NOW));
                sql("UPDATE agentauth_grant SET " + edit + " WHERE user_id = 'carol'");
                assertThat(store.findByUser("carol")).as(edit).isEmpty();
                store.deleteUnverifiable("carol", null);
                sql("DELETE FROM agentauth_grant");
            }
        }

        @Test
        void grantWhenRowIdMovedToAnotherUsersKeyThenRefused() throws Exception {
            store.save(new StoredGrant(CAROL, "carol-token", "Bearer", null, Scopes.of("repo"), null, NOW));
            sql("UPDATE agentauth_grant SET grant_id = '" + JdbcRows.grantId(DAVE) + "' WHERE user_id = 'carol'");
            assertThatThrownBy(() -> store.find(DAVE)).isInstanceOf(StoreIntegrityException.class);
        }

        @Test
        void consentWhenPrincipalEditedThenNotRedeemedAndItsStateSpent() throws Exception {
            store.saveConsent(new PendingConsent(new ConsentId("c1"), "digest-1", CAROL, Principal.user("carol"),
                    Scopes.of("repo"), "verifier", URI.create("https://app.example.com/cb"), NOW,
                    NOW.plusSeconds(600)));
            sql("UPDATE agentauth_consent SET principal_user = 'dave', user_id = 'dave'");
            assertThatThrownBy(() -> store.claimConsent("digest-1", "a", NOW, NOW.plusSeconds(30)))
                    .isInstanceOf(StoreIntegrityException.class);
            assertThat(store.claimConsent("digest-1", "a", NOW, NOW.plusSeconds(30))).isEmpty();
        }

        @Test
        void outcomeWhenStatusEditedThenRefused() throws Exception {
            store.saveConsentOutcome(new ConsentOutcome(new ConsentId("o1"), ConsentOutcome.Status.DENIED, CAROL,
                    Principal.user("carol"), "access_denied", NOW, NOW.plusSeconds(600)));
            sql("UPDATE agentauth_consent_outcome SET status = 'COMPLETED', error_code = NULL");
            assertThatThrownBy(() -> store.findConsentOutcome(new ConsentId("o1")))
                    .isInstanceOf(StoreIntegrityException.class);
        }

        @Test
        void interruptWhenOwnerEditedThenNotShownNotResumableAndOthersStillListed() throws Exception {
            interrupts().saveInterrupt(new StoredInterrupt("bobs", "bob", "default", NOW, NOW.plusSeconds(600),
                    "{\"card\":\"bob's\"}"));
            interrupts().saveInterrupt(new StoredInterrupt("alices", "alice", "default", NOW.plusSeconds(1),
                    NOW.plusSeconds(600), "{\"card\":\"alice's\"}"));
            interrupts().saveInterrupt(new StoredInterrupt("garbled", "alice", "default", NOW.plusSeconds(2),
                    NOW.plusSeconds(600), "{}"));
            sql("UPDATE agentauth_interrupt SET user_id = 'alice' WHERE interrupt_id = 'bobs'");
            sql("UPDATE agentauth_interrupt SET payload = (SELECT payload FROM agentauth_interrupt"
                    + " WHERE interrupt_id = 'alices') WHERE interrupt_id = 'garbled'");

            assertThat(interrupts().findInterruptsByUser("alice")).extracting(StoredInterrupt::id)
                    .containsExactly("alices");
            assertThat(interrupts().findInterruptsByUser("bob")).isEmpty();
            assertThatThrownBy(() -> interrupts().findInterrupt("bobs")).isInstanceOf(StoreIntegrityException.class);
            assertThatThrownBy(() -> interrupts().claimInterrupt("bobs", "a", NOW, NOW.plusSeconds(30)))
                    .isInstanceOf(StoreIntegrityException.class);
        }

        @Test
        void interruptWhenFinishedResumeSetOpenAgainThenRefused() throws Exception {
            interrupts().saveInterrupt(new StoredInterrupt("once", "alice", "default", NOW, NOW.plusSeconds(600),
                    "{}"));
            interrupts().finishInterrupt(interrupts().claimInterrupt("once", "a", NOW, NOW.plusSeconds(30))
                    .orElseThrow());
            sql("UPDATE agentauth_interrupt SET state = 'OPEN' WHERE interrupt_id = 'once'");
            assertThat(interrupts().findInterruptsByUser("alice")).isEmpty();
            assertThatThrownBy(() -> interrupts().claimInterrupt("once", "b", NOW, NOW.plusSeconds(30)))
                    .isInstanceOf(StoreIntegrityException.class);
        }
    }

    @Nested
    class Embedded extends Contract {

        @TempDir
        Path dir;

        @Override
        TokenStore open() {
            return TokenStores.embedded().directory(dir).build();
        }

        @Override
        void sql(String statement) throws SQLException {
            // H2 is opened by one process at a time: the store steps aside while "someone else" edits the file.
            store.close();
            EmbeddedTokenStoreTest.raw(dir, statement);
            store = open();
        }

        /** A database written by schema version 4 is sealed on upgrade, except a row that was already not intact. */
        @Test
        void openWhenDatabaseWrittenBySchemaVersion4ThenRowsSealedAndServed() throws Exception {
            GrantKey erin = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "erin", GrantKey.SHARED, "");
            store.save(new StoredGrant(CAROL, "carol-token", "Bearer", "carol-refresh", Scopes.of("repo"), null, NOW));
            store.save(new StoredGrant(erin, "erin-token", "Bearer", null, Scopes.of("repo"), null, NOW));
            store.saveConsent(new PendingConsent(new ConsentId("c1"), "digest-1", CAROL, Principal.user("carol"),
                    Scopes.of("repo"), "verifier", URI.create("https://app.example.com/cb"), NOW,
                    NOW.plusSeconds(600)));
            interrupts().saveInterrupt(new StoredInterrupt("i1", "carol", "default", NOW, NOW.plusSeconds(600),
                    "{}"));
            store.close();
            EmbeddedTokenStoreTest.dropVersion5Columns(dir);
            // Edited while at version 4: erin's row now claims to be dave's.
            EmbeddedTokenStoreTest.raw(dir, "UPDATE agentauth_grant SET user_id = 'dave' WHERE user_id = 'erin'");

            store = open();
            assertThat(store.find(CAROL).orElseThrow().refreshToken()).isEqualTo("carol-refresh");
            assertThat(store.claimConsent("digest-1", "a", NOW, NOW.plusSeconds(30))).isPresent();
            assertThat(interrupts().findInterruptsByUser("carol")).extracting(StoredInterrupt::id)
                    .containsExactly("i1");
            assertThat(store.findByUser("dave")).isEmpty();
            assertThat(store.deleteUnverifiable("dave", null)).isEqualTo(1);
        }
    }

    @Nested
    class Postgres extends Contract {

        final String keyset = TokenEncryption.generateKeyset();
        DataSource admin;

        @Override
        TokenStore open() {
            EmbeddedPg pg = EmbeddedPg.shared();
            admin = pg.database("row_integrity");
            TokenStore opened = TokenStores.postgres().jdbcUrl(pg.jdbcUrl("row_integrity"))
                    .encryption(TokenEncryption.fromJson(dev.agentauth.core.Secret.of(keyset))).build();
            try {
                sql("TRUNCATE agentauth_grant, agentauth_consent, agentauth_consent_outcome, agentauth_interrupt");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return opened;
        }

        @Override
        void sql(String statement) throws SQLException {
            try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
                s.execute(statement);
            }
        }
    }
}
