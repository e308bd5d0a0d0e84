package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Reads what PostgreSQL holds, rows and data files, after every kind of secret was stored, and finds none in clear. */
class PostgresEncryptionAtRestTest {

    static final String USER = "carol-at-rest-control";
    static final String API_KEY = "weather-api-key-for-carol-9876543210";
    static final URI REDIRECT = URI.create("https://agent.example.com/oauth/callback");

    @Test
    void rawRowsAndDataFilesWhenEveryKindOfSecretStoredThenNoPlaintextInThem() throws Exception {
        EmbeddedPg pg = EmbeddedPg.shared();
        DataSource admin = pg.database("atrest");
        MutableClock clock = MutableClock.now();
        ScriptedBrowser browser = new ScriptedBrowser();
        Set<String> secrets = new LinkedHashSet<>();
        GrantKey key = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, USER, GrantKey.SHARED, "");
        TokenRequest request = TokenRequest.forUser("corp", USER);

        try (TestIdp idp = TestIdp.start(true)) {
            TokenStore store = TokenStores.postgres().jdbcUrl(pg.jdbcUrl("atrest"))
                    .encryption(TokenEncryption.of(TestKeysets.keyset())).build();
            try (TokenBroker broker = TokenBroker.builder()
                    .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent-client")
                            .clientSecret("client-secret-value").defaultScopes("openid").build())
                    .provider(Provider.apiKey("weather").build())
                    .clock(clock).tokenStore(store).redirectUri(REDIRECT).build()) {
                ConsentRequirement c = ((TokenResult.ConsentRequired) broker.token(request)).consent();
                assertThat(broker.completeConsent(browser.signIn(c.authorizationUri(), USER)).success()).isTrue();
                secrets.add(((TokenResult.Granted) broker.token(request)).token().value());
                secrets.add(store.find(key).orElseThrow().refreshToken());
                clock.advance(Duration.ofHours(2));
                secrets.add(((TokenResult.Granted) broker.token(request)).token().value()); // refresh, rotation
                secrets.add(store.find(key).orElseThrow().refreshToken());
                broker.storeApiKey(ProviderId.of("weather"), Principal.user(USER), false, Secret.of(API_KEY));
                secrets.add(API_KEY);
                ConsentRequirement pending = ((TokenResult.ConsentRequired) broker.token(
                        TokenRequest.forUser("corp", USER, "extra-scope"))).consent();
                secrets.add(store.findConsent(pending.id()).orElseThrow().codeVerifier());
                // A paused turn's tool arguments are the user's data: sealed like the tokens.
                String argument = "interrupt-tool-argument-of-carol-5551234";
                broker.interruptStore().saveInterrupt(new dev.agentauth.core.store.StoredInterrupt("i-at-rest", USER,
                        "default", clock.instant(), clock.instant().plusSeconds(3600),
                        "{\"arguments\":\"" + argument + "\"}"));
                secrets.add(argument);
            }
        }
        assertThat(secrets).hasSize(7).doesNotContainNull();

        List<String> rows = new ArrayList<>();
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("agentauth_grant", "agentauth_consent", "agentauth_consent_outcome",
                    "agentauth_interrupt")) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder(table).append(':');
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            byte[] raw = rs.getBytes(i); // bytea as its bytes, text as its UTF-8 bytes
                            row.append(raw == null ? "" : new String(raw, StandardCharsets.ISO_8859_1)).append('|');
                        }
                        rows.add(row.toString());
                    }
                }
            }
            s.execute("CHECKPOINT"); // flush the pages to the data files
        }
        assertThat(rows).as("positive control: the rows are there").anyMatch(r -> r.contains(USER));
        for (String secret : secrets) {
            assertThat(rows).noneMatch(r -> r.contains(new String(secret.getBytes(StandardCharsets.UTF_8),
                    StandardCharsets.ISO_8859_1)));
        }
        assertThat(AtRest.anyFileContains(pg.dataDirectory(), USER)).as("positive control: data files hold rows")
                .isTrue();
        assertThat(AtRest.occurrences(pg.dataDirectory(), secrets)).isEmpty();
    }
}
