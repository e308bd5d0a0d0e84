package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default on real H2 files: restarts, permissions, encryption at rest, key rotation, row binding. */
class EmbeddedTokenStoreTest {

    static final TokenRequest REQUEST = TokenRequest.forUser("corp", "alice");
    static final GrantKey ALICE = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "alice", GrantKey.SHARED, "");
    static final GrantKey BOB = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "bob", GrantKey.SHARED, "");
    static final String API_KEY = "weather-api-key-for-alice-0123456789";
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    static TestIdp idp;

    @TempDir
    Path tmp;

    final MutableClock clock = MutableClock.now();
    final ScriptedBrowser browser = new ScriptedBrowser();

    @BeforeAll
    static void startIdp() {
        idp = TestIdp.start(true);
    }

    @AfterAll
    static void stopIdp() {
        idp.close();
    }

    TokenBroker broker(TokenStore store) {
        return TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent-client")
                        .clientSecret("client-secret-value").defaultScopes("openid").build())
                .provider(Provider.apiKey("weather").build())
                .clock(clock).tokenStore(store).loopbackCallback().build();
    }

    AccessToken consent(TokenBroker broker, TokenRequest request, String user) {
        ConsentRequirement c = ((TokenResult.ConsentRequired) broker.token(request)).consent();
        assertThat(browser.authorize(c.authorizationUri(), user).statusCode()).isEqualTo(200);
        return broker.consentCompletion(c.id()).join();
    }

    static TokenRequest apiKeyRequest() {
        return TokenRequest.builder().provider("weather").principal(Principal.user("alice")).flow(Flow.API_KEY).build();
    }

    @Test
    void restartWhenNewBrokerOpensTheSameDirectoryThenTokensAndKeysAreStillThere() throws Exception {
        Path dir = tmp.resolve("agent");
        AccessToken token;
        try (TokenBroker first = broker(TokenStores.embedded().directory(dir).build())) {
            token = consent(first, REQUEST, "alice");
            first.storeApiKey(ProviderId.of("weather"), Principal.user("alice"), false, Secret.of(API_KEY));
        }
        String keyset = Files.readString(dir.resolve(EmbeddedTokenStoreBuilder.KEYSET_FILE));
        idp.drainRequests();

        try (TokenBroker second = broker(TokenStores.embedded().directory(dir).build())) {
            AccessToken again = ((TokenResult.Granted) second.token(REQUEST)).token();
            assertThat(again.value()).isEqualTo(token.value());
            assertThat(second.tokenOrThrow(apiKeyRequest()).value()).isEqualTo(API_KEY);
            assertThat(second.grants("alice")).extracting(g -> g.provider().value())
                    .containsExactlyInAnyOrder("corp", "weather");
            assertThat(idp.drainTokenRequests()).as("nothing asked of the IdP after the restart").isZero();

            // and the refresh token survived too
            clock.advance(Duration.ofHours(2));
            assertThat(((TokenResult.Granted) second.token(REQUEST)).token().value()).isNotEqualTo(token.value());
            assertThat(second.disconnectAll("alice")).isEqualTo(2);
        }
        assertThat(Files.readString(dir.resolve(EmbeddedTokenStoreBuilder.KEYSET_FILE))).isEqualTo(keyset);
        try (TokenStore third = TokenStores.embedded().directory(dir).build()) {
            assertThat(third.findByUser("alice")).isEmpty();
        }
    }

    @Test
    void createWhenDirectoryMissingThenDirectoryOwnerOnlyAndFilesOwnerOnly() throws Exception {
        Path dir = tmp.resolve("a").resolve("b");
        try (TokenStore store = TokenStores.embedded().directory(dir).build()) {
            store.save(new StoredGrant(ALICE, "t", "Bearer", null, Scopes.NONE, null, NOW));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
                        .isEqualTo("rw-------");
            }
        }
        assertThat(dir.resolve("tokens.mv.db")).exists();
        assertThat(dir.resolve(EmbeddedTokenStoreBuilder.KEYSET_FILE)).exists();
    }

    @Test
    void rawFilesWhenEveryKindOfSecretStoredThenNoPlaintextInThem() throws Exception {
        Path dir = tmp.resolve("raw");
        Set<String> secrets = new LinkedHashSet<>();
        TokenStore store = TokenStores.embedded().directory(dir).build();
        try (TokenBroker broker = broker(store)) {
            secrets.add(consent(broker, REQUEST, "alice").value());
            secrets.add(store.find(ALICE).orElseThrow().refreshToken());
            clock.advance(Duration.ofHours(2));
            secrets.add(((TokenResult.Granted) broker.token(REQUEST)).token().value()); // refresh, rotation
            secrets.add(store.find(ALICE).orElseThrow().refreshToken());
            broker.storeApiKey(ProviderId.of("weather"), Principal.user("alice"), false, Secret.of(API_KEY));
            secrets.add(API_KEY);
            ConsentRequirement pending = ((TokenResult.ConsentRequired) broker.token(
                    TokenRequest.forUser("corp", "bob-at-rest-control"))).consent();
            secrets.add(store.findConsent(pending.id()).orElseThrow().codeVerifier());
        }
        assertThat(secrets).hasSize(6).doesNotContainNull();

        assertThat(AtRest.anyFileContains(dir, "bob-at-rest-control")).as("positive control: rows are readable")
                .isTrue();
        assertThat(AtRest.occurrences(dir, secrets)).isEmpty();
    }

    @Test
    void keyRotationWhenKeysetRotatedThenOldRowsReadableAndNewWritesUseNewPrimaryKey() throws Exception {
        Path dir = tmp.resolve("rotation");
        String k1 = TokenEncryption.generateKeyset();
        TokenEncryption first = TokenEncryption.fromEnvironment("K", name -> k1);
        try (TokenStore store = TokenStores.embedded().directory(dir).encryption(first).build()) {
            store.save(new StoredGrant(ALICE, "alice-old-token", "Bearer", "alice-old-refresh", Scopes.NONE, null,
                    NOW));
        }
        String k2 = TokenEncryption.rotate(k1);
        TokenEncryption second = TokenEncryption.fromEnvironment("K", name -> k2);
        assertThat(second.primaryKeyId()).isNotEqualTo(first.primaryKeyId());
        try (TokenStore store = TokenStores.embedded().directory(dir).encryption(second).build()) {
            assertThat(store.find(ALICE).orElseThrow().accessToken()).isEqualTo("alice-old-token");
            store.save(new StoredGrant(BOB, "bob-new-token", "Bearer", null, Scopes.NONE, null, NOW));
        }
        assertThat(keyIdOf(dir, "alice")).isEqualTo(first.primaryKeyId());
        assertThat(keyIdOf(dir, "bob")).isEqualTo(second.primaryKeyId());

        try (TokenStore store = TokenStores.embedded().directory(dir).encryption(first).build()) {
            assertThat(store.find(ALICE).orElseThrow().accessToken()).isEqualTo("alice-old-token");
            assertThatThrownBy(() -> store.find(BOB)).isInstanceOfSatisfying(StoreIntegrityException.class, e -> {
                assertThat(e.retryable()).isFalse();
                assertThat(e.getMessage()).contains("failed its integrity check", "not in this keyset")
                        .doesNotContain("bob-new-token");
            });
        }
    }

    @Test
    void ciphertextWhenCopiedIntoAnotherUsersRowThenItDoesNotDecrypt() throws Exception {
        Path dir = tmp.resolve("binding");
        try (TokenStore store = TokenStores.embedded().directory(dir).build()) {
            store.save(new StoredGrant(ALICE, "alice-token", "Bearer", "alice-refresh", Scopes.NONE, null, NOW));
            store.save(new StoredGrant(BOB, "bob-token", "Bearer", "bob-refresh", Scopes.NONE, null, NOW));
        }
        raw(dir, "UPDATE agentauth_grant SET access_token = (SELECT access_token FROM agentauth_grant"
                + " WHERE user_id = 'bob'), refresh_token = (SELECT refresh_token FROM agentauth_grant"
                + " WHERE user_id = 'bob') WHERE user_id = 'alice'");

        try (TokenStore store = TokenStores.embedded().directory(dir).build()) {
            assertThatThrownBy(() -> store.find(ALICE)).isInstanceOfSatisfying(StoreIntegrityException.class, e -> {
                assertThat(e.retryable()).isFalse();
                assertThat(e.principal().user()).isEqualTo("alice");
                assertThat(e.table()).isEqualTo("agentauth_grant");
                assertThat(e.getMessage()).contains("failed its integrity check")
                        .doesNotContain("bob-token", "bob-refresh");
            });
            assertThat(store.find(BOB).orElseThrow().accessToken()).isEqualTo("bob-token");
        }
    }

    @Test
    void schemaWhenOpenedTwiceThenMigratedOnceAndNewerSchemaRefused() throws Exception {
        Path dir = tmp.resolve("schema");
        TokenStores.embedded().directory(dir).build().close();
        TokenStores.embedded().directory(dir).build().close();
        assertThat(rawQuery(dir, "SELECT version FROM agentauth_schema_version ORDER BY version"))
                .containsExactly("1", "2", "3", "4", "5");

        raw(dir, "INSERT INTO agentauth_schema_version (version, description, applied_at) VALUES (99, 'future', 0)");
        assertThatThrownBy(() -> TokenStores.embedded().directory(dir).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("schema version 99")
                .hasMessageContaining("upgrade agent-auth");
    }

    /**
     * A database written by schema version 1, where the audience and subject provider of a key were text inside its
     * scope key: opened by this version, the rows are migrated into typed columns and every secret still decrypts
     * (row ids, to which ciphertexts are bound, do not change).
     */
    @Test
    void openWhenDatabaseWrittenBySchemaVersion1ThenTypedKeysMigratedAndSecretsStillDecrypt() throws Exception {
        Path dir = tmp.resolve("v1");
        GrantKey exchanged = new GrantKey(ProviderId.of("corp-obo"), Flow.TOKEN_EXCHANGE, "alice", GrantKey.SHARED,
                "billing.read", "billing-api", ProviderId.of("corp"));
        GrantKey idToken = new GrantKey(ProviderId.of("gcp"), Flow.ID_TOKEN, null, GrantKey.SHARED, "",
                "https://run.example", null);
        try (TokenStore store = TokenStores.embedded().directory(dir).build()) {
            store.save(new StoredGrant(exchanged, "exchanged-token", "Bearer", null, Scopes.of("billing.read"), null,
                    NOW));
            store.save(new StoredGrant(idToken, "id-token", "Bearer", null, Scopes.NONE, null, NOW));
            store.save(new StoredGrant(ALICE, "alice-token", "Bearer", "alice-refresh", Scopes.NONE, null, NOW));
        }
        // Turn the file back into what version 1 wrote: the old scope keys, no typed columns, version 1 recorded.
        raw(dir, "UPDATE agentauth_grant SET scope_key = 'billing.read aud=billing-api subject=corp'"
                + " WHERE provider = 'corp-obo'");
        raw(dir, "UPDATE agentauth_grant SET scope_key = ' aud=https://run.example' WHERE provider = 'gcp'");
        for (String table : List.of("agentauth_grant", "agentauth_consent", "agentauth_consent_outcome")) {
            raw(dir, "ALTER TABLE " + table + " DROP COLUMN audience");
            raw(dir, "ALTER TABLE " + table + " DROP COLUMN subject_provider");
        }
        raw(dir, "ALTER TABLE agentauth_grant DROP COLUMN account");
        dropVersion5Columns(dir);
        raw(dir, "DROP TABLE agentauth_interrupt");
        raw(dir, "DELETE FROM agentauth_schema_version WHERE version >= 2");

        try (TokenStore store = TokenStores.embedded().directory(dir).build()) {
            assertThat(store.find(exchanged).orElseThrow().accessToken()).isEqualTo("exchanged-token");
            assertThat(store.find(idToken).orElseThrow().accessToken()).isEqualTo("id-token");
            assertThat(store.find(ALICE).orElseThrow().refreshToken()).isEqualTo("alice-refresh");
            assertThat(store.findByUser("alice")).extracting(StoredGrant::key).containsExactlyInAnyOrder(ALICE,
                    exchanged);
        }
        assertThat(rawQuery(dir, "SELECT scope_key || '|' || audience || '|' || COALESCE(subject_provider, '-')"
                + " FROM agentauth_grant WHERE provider <> 'corp' ORDER BY provider")).containsExactly(
                "billing.read|billing-api|corp", "|https://run.example|-");
    }

    /** Turns a database back into what schema version 4 wrote (its rows then have no seals). */
    static void dropVersion5Columns(Path dir) throws Exception {
        raw(dir, "DROP INDEX IF EXISTS agentauth_consent_poll");
        for (String column : List.of("seal", "refresh_started_at")) {
            raw(dir, "ALTER TABLE agentauth_grant DROP COLUMN " + column);
        }
        for (String column : List.of("seal", "poll_interval_ms", "next_poll_at", "claimed_by", "claimed_until")) {
            raw(dir, "ALTER TABLE agentauth_consent DROP COLUMN " + column);
        }
        raw(dir, "ALTER TABLE agentauth_consent_outcome DROP COLUMN seal");
        for (String column : List.of("seal", "state", "epoch", "lease_owner", "lease_until", "progress")) {
            raw(dir, "ALTER TABLE agentauth_interrupt DROP COLUMN " + column);
        }
        raw(dir, "DELETE FROM agentauth_schema_version WHERE version >= 5");
    }

    @Test
    void openWhenAnotherProcessHasTheStoreOpenThenRetryableErrorNamingTheStore() throws Exception {
        Path dir = tmp.resolve("locked");
        TokenStores.embedded().directory(dir).build().close();
        // Another process: H2's own shell in a child JVM, connected to the file and waiting on its standard input.
        String h2Jar = Path.of(org.h2.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process other = new ProcessBuilder(javaBin, "-cp", h2Jar, "org.h2.tools.Shell", "-url", "jdbc:h2:file:"
                + dir.toAbsolutePath().resolve("tokens") + ";TRACE_LEVEL_FILE=0", "-user", "agentauth", "-password",
                "").redirectErrorStream(true).start();
        try {
            // The shell prompts once it is connected, holding the file's lock.
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                    other.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            int ch;
            while (seen.indexOf("sql>") < 0 && (ch = out.read()) >= 0) {
                seen.append((char) ch);
            }
            assertThat(seen.toString()).as("the other process connected").contains("sql>");
            StoreUnavailableException refused = null;
            try {
                TokenStores.embedded().directory(dir).build().close();
            } catch (StoreUnavailableException e) {
                refused = e;
            }
            assertThat(refused).as("the store refused while another process has it open").isNotNull();
            assertThat(refused.retryable()).isTrue();
            assertThat(refused.getMessage()).contains("embedded token store at " + dir.toAbsolutePath())
                    .contains("another process");
        } finally {
            other.destroy();
            other.waitFor(30, TimeUnit.SECONDS);
        }
        try (TokenStore store = TokenStores.embedded().directory(dir).build()) {
            assertThat(store.find(ALICE)).isEmpty(); // usable again once the other process is gone
        }
    }

    @Test
    void encryptionWhenEnvironmentVariableMissingOrInvalidThenConfigurationErrorNamingIt() {
        assertThatThrownBy(() -> TokenEncryption.fromEnvironment("AGENT_AUTH_KEYSET", name -> null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("AGENT_AUTH_KEYSET");
        assertThatThrownBy(() -> TokenEncryption.fromEnvironment("AGENT_AUTH_KEYSET", name -> "{\"not\":1}"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not a valid Tink");
        String keyset = TokenEncryption.generateKeyset();
        String base64 = java.util.Base64.getEncoder().encodeToString(keyset.getBytes());
        TokenEncryption e = TokenEncryption.fromEnvironment("AGENT_AUTH_KEYSET", name -> base64);
        String keyValue = keyset.replaceAll("(?s).*\"value\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        assertThat(e.toString()).contains("AGENT_AUTH_KEYSET").doesNotContain(keyValue).doesNotContain(base64);
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    /** The Tink key id in the ciphertext of a user's access token (Tink's 5-byte prefix: 0x01, key id). */
    static int keyIdOf(Path dir, String user) throws SQLException {
        try (Connection c = rawConnection(dir); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT access_token FROM agentauth_grant WHERE user_id = '" + user + "'")) {
            rs.next();
            byte[] ciphertext = rs.getBytes(1);
            assertThat(ciphertext[0]).isEqualTo((byte) 1);
            return ByteBuffer.wrap(ciphertext, 1, 4).getInt();
        }
    }

    static void raw(Path dir, String sql) throws SQLException {
        try (Connection c = rawConnection(dir); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static List<String> rawQuery(Path dir, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = rawConnection(dir); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static Connection rawConnection(Path dir) throws SQLException {
        return DriverManager.getConnection("jdbc:h2:file:" + dir.toAbsolutePath().resolve("tokens")
                + ";TRACE_LEVEL_FILE=0", "agentauth", "");
    }
}
