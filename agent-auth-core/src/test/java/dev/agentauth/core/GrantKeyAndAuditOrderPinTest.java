package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.RecordingTokenStore;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.core.testing.TestKeys;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins the grant key of every flow and the order of audit events of every flow, so that moving the broker's code into
 * per-grant policies cannot silently change where a grant is stored (stored rows would be orphaned) or what an audit
 * trail says.
 */
class GrantKeyAndAuditOrderPinTest {

    static final String EMAIL = "pin@agent-auth-test.iam.gserviceaccount.com";
    static TestIdp idp;
    static FlakyGateway gateway;
    static String keyJson;
    final MutableClock clock = MutableClock.now();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    final ScriptedBrowser browser = new ScriptedBrowser();
    RecordingTokenStore store;
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        gateway = FlakyGateway.to(URI.create(idp.issuer()));
        RSAKey key = TestKeys.rsa("fedcba9876543210fedcba9876543210fedcba98");
        keyJson = TestKeys.serviceAccountJson(key, EMAIL, gateway.url(URI.create(idp.tokenEndpoint()).getPath()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        idp.close();
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    void broker() {
        store = new RecordingTokenStore(TokenStore.inMemory());
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("pin-client")
                        .clientSecret("pin-secret-value").defaultScopes("openid").build())
                .provider(Provider.oauth2("corp-obo").issuer(idp.issuer()).clientId("obo-client")
                        .clientSecret("obo-secret-value").build())
                .provider(Provider.apiKey("weather").build())
                .provider(Provider.serviceAccount("gcp", ServiceAccountKey.fromJson(keyJson)).build())
                .tokenStore(store).clock(clock).auditListener(events::add).loopbackCallback().build();
    }

    /** A key as (provider, flow, user, agent, scopes, audience, subject provider): what identifies a grant. */
    static String identity(GrantKey k) {
        return k.provider() + " " + k.flow() + " user=" + k.user() + " agent=" + k.agent() + " scopes=["
                + k.scopeKey() + "] audience=" + (k.audience().isEmpty() ? "-" : k.audience()) + " subject="
                + (k.subjectProvider() == null ? "-" : k.subjectProvider());
    }

    List<String> lockedKeys() {
        return store.lockedKeys().stream().map(GrantKeyAndAuditOrderPinTest::identity).distinct().toList();
    }

    List<AuditEvent.Type> auditTypes() {
        return events.stream().map(AuditEvent::type).toList();
    }

    void connect(String user, String... scopes) {
        TokenResult r = broker.token(TokenRequest.builder().provider("corp").principal(Principal.user(user))
                .scopes(scopes).build());
        browser.authorize(((TokenResult.ConsentRequired) r).consent().authorizationUri(), user);
    }

    @Test
    void userConsentWhenSharedThenKeyedByProviderUserAndSharedAgentAndAuditInOrder() {
        broker();
        connect("alice", "profile");
        AccessToken token = broker.tokenOrThrow(TokenRequest.forUser("corp", "alice", "profile"));
        clock.advance(Duration.between(clock.instant(), token.expiresAt().orElseThrow()));
        broker.tokenOrThrow(TokenRequest.forUser("corp", "alice", "profile"));
        broker.disconnect(ProviderId.of("corp"), "alice");

        assertThat(store.savedKeys()).extracting(GrantKeyAndAuditOrderPinTest::identity).containsOnly(
                "corp USER_CONSENT user=alice agent=* scopes=[] audience=- subject=-");
        assertThat(auditTypes()).containsExactly(AuditEvent.Type.CONSENT_REQUESTED, AuditEvent.Type.TOKEN_ISSUED,
                AuditEvent.Type.CONSENT_COMPLETED, AuditEvent.Type.TOKEN_REFRESHED, AuditEvent.Type.GRANT_REVOKED);
    }

    @Test
    void userConsentWhenAgentScopedThenKeyedByTheAgent() {
        broker();
        TokenResult r = broker.token(TokenRequest.builder().provider("corp").principal(new Principal("bob", "mailer"))
                .agentScoped(true).build());
        browser.authorize(((TokenResult.ConsentRequired) r).consent().authorizationUri(), "bob");

        assertThat(store.savedKeys()).extracting(GrantKeyAndAuditOrderPinTest::identity).containsOnly(
                "corp USER_CONSENT user=bob agent=mailer scopes=[] audience=- subject=-");
    }

    @Test
    void clientCredentialsThenKeyedByScopesAfterDefaultsAndIssuedOnce() {
        broker();
        broker.tokenOrThrow(TokenRequest.forAgent("corp", "reports.read"));
        broker.tokenOrThrow(TokenRequest.forAgent("corp", "reports.read"));

        assertThat(store.savedKeys()).extracting(GrantKeyAndAuditOrderPinTest::identity).containsOnly(
                "corp CLIENT_CREDENTIALS user=null agent=* scopes=[openid reports.read] audience=- subject=-");
        assertThat(auditTypes()).containsExactly(AuditEvent.Type.TOKEN_ISSUED);
    }

    @Test
    void apiKeyThenStoredUnderTheUserOrTheAgent() {
        broker();
        broker.storeApiKey(ProviderId.of("weather"), Principal.user("carol"), false, Secret.of("carol-key-value"));
        broker.storeApiKey(ProviderId.of("weather"), Principal.agent("forecaster"), true,
                Secret.of("agent-key-value"));

        assertThat(store.savedKeys()).extracting(GrantKeyAndAuditOrderPinTest::identity).containsExactly(
                "weather API_KEY user=carol agent=* scopes=[] audience=- subject=-",
                "weather API_KEY user=null agent=forecaster scopes=[] audience=- subject=-");
        assertThat(broker.tokenOrThrow(TokenRequest.builder().provider("weather").principal(Principal.user("carol"))
                .flow(Flow.API_KEY).build()).value()).isEqualTo("carol-key-value");
        assertThat(auditTypes()).containsExactly(AuditEvent.Type.TOKEN_ISSUED, AuditEvent.Type.TOKEN_ISSUED);
    }

    @Test
    void serviceAccountFlowsThenKeyedByScopesAndAudience() throws Exception {
        broker();
        broker.tokenOrThrow(TokenRequest.builder().provider("gcp").principal(Principal.agent("reporter"))
                .flow(Flow.JWT_BEARER).scopes("cloud-platform").build());
        broker.tokenOrThrow(TokenRequest.builder().provider("gcp").principal(Principal.agent("reporter"))
                .flow(Flow.SELF_SIGNED_JWT).audience("https://pubsub.example").build());
        String idToken = idp.server().issueToken(TestIdp.ISSUER_ID, EMAIL, "https://run.example").serialize();
        gateway.answerNextWith(200, Map.of(), "{\"id_token\":\"" + idToken + "\"}");
        AccessToken id = broker.tokenOrThrow(TokenRequest.builder().provider("gcp")
                .principal(Principal.agent("reporter")).flow(Flow.ID_TOKEN).audience("https://run.example").build());

        assertThat(SignedJWT.parse(id.value()).getJWTClaimsSet().getAudience()).contains("https://run.example");
        assertThat(lockedKeys()).containsExactly(
                "gcp JWT_BEARER user=null agent=* scopes=[cloud-platform] audience=- subject=-",
                "gcp SELF_SIGNED_JWT user=null agent=* scopes=[] audience=https://pubsub.example subject=-",
                "gcp ID_TOKEN user=null agent=* scopes=[] audience=https://run.example subject=-");
        assertThat(store.savedKeys()).as("a self-signed JWT is cached, never stored")
                .extracting(GrantKeyAndAuditOrderPinTest::identity).containsExactly(
                "gcp JWT_BEARER user=null agent=* scopes=[cloud-platform] audience=- subject=-",
                "gcp ID_TOKEN user=null agent=* scopes=[] audience=https://run.example subject=-");
        assertThat(auditTypes()).containsExactly(AuditEvent.Type.TOKEN_ISSUED, AuditEvent.Type.TOKEN_ISSUED,
                AuditEvent.Type.TOKEN_ISSUED);
    }

    @Test
    void tokenExchangeThenKeyedByUserAudienceAndSubjectProviderAndGoesWithTheSubjectOnDisconnect() {
        broker();
        connect("dave");
        events.clear();
        TokenRequest exchange = TokenRequest.builder().provider("corp-obo").principal(Principal.user("dave"))
                .flow(Flow.TOKEN_EXCHANGE).subjectProvider("corp").audience("billing-api").scopes("billing.read")
                .build();
        broker.tokenOrThrow(exchange);

        assertThat(store.savedKeys()).extracting(GrantKeyAndAuditOrderPinTest::identity).containsExactly(
                "corp USER_CONSENT user=dave agent=* scopes=[] audience=- subject=-",
                "corp-obo TOKEN_EXCHANGE user=dave agent=* scopes=[billing.read] audience=billing-api subject=corp");

        assertThat(broker.disconnect(ProviderId.of("corp"), "dave")).isEqualTo(2);
        assertThat(auditTypes()).containsExactly(AuditEvent.Type.TOKEN_ISSUED, AuditEvent.Type.GRANT_REVOKED,
                AuditEvent.Type.GRANT_REVOKED);
    }

    @Test
    void rejectedUserTokenWithoutRefreshTokenThenGrantInvalidatedAndConsentRequestedInOrder() {
        broker();
        connect("erin");
        AccessToken token = broker.tokenOrThrow(TokenRequest.forUser("corp", "erin"));
        StoredGrant stored = store.find(store.savedKeys().get(0)).orElseThrow();
        store.save(new StoredGrant(stored.key(), stored.accessToken(), stored.tokenType(), null, stored.scopes(),
                stored.expiresAt(), stored.updatedAt()));
        events.clear();

        TokenResult after = broker.reportRejected(TokenRequest.forUser("corp", "erin"), token);

        assertThat(after).isInstanceOf(TokenResult.ConsentRequired.class);
        assertThat(auditTypes()).containsExactly(AuditEvent.Type.GRANT_INVALIDATED,
                AuditEvent.Type.CONSENT_REQUESTED);
    }
}
