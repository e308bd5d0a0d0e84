package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.TestIdp;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClientCredentialsTest {

    static TestIdp idp;
    final MutableClock clock = MutableClock.now();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
    }

    @AfterAll
    static void stop() {
        idp.close();
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    TokenBroker broker(ClientAuthMethod method) {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("backend").issuer(idp.issuer()).clientId("reporting-agent")
                        .clientSecret("m2m-secret-value").clientAuthMethod(method).build())
                .clock(clock).auditListener(events::add).build();
        idp.drainRequests();
        return broker;
    }

    @Test
    void tokenWhenClientCredentialsThenTokenForTheClientAndCachedUntilNearExpiry() throws Exception {
        broker(ClientAuthMethod.CLIENT_SECRET_BASIC);
        TokenRequest request = TokenRequest.forAgent("backend", "reports.read");

        AccessToken token = broker.tokenOrThrow(request);
        List<RecordedRequest> sent = idp.drainTokenRequestList();

        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getSubject()).isEqualTo("reporting-agent");
        assertThat(sent).singleElement().satisfies(r -> {
            assertThat(r.getHeader("Authorization")).isEqualTo("Basic " + Base64.getEncoder()
                    .encodeToString("reporting-agent:m2m-secret-value".getBytes()));
            assertThat(r.getBody().readUtf8()).contains("grant_type=client_credentials", "scope=reports.read")
                    .doesNotContain("client_secret");
        });
        assertThat(broker.tokenOrThrow(request)).isSameAs(token);
        assertThat(idp.drainTokenRequests()).as("served from cache").isZero();

        Duration lifetime = Duration.between(clock.instant(), token.expiresAt().orElseThrow());
        clock.advance(lifetime.minusSeconds(30));
        AccessToken renewed = broker.tokenOrThrow(request);

        assertThat(renewed.value()).isNotEqualTo(token.value());
        assertThat(idp.drainTokenRequests()).isEqualTo(1);
        assertThat(events).extracting(AuditEvent::type).containsOnly(AuditEvent.Type.TOKEN_ISSUED);
    }

    @Test
    void tokenWhenClientSecretPostThenSecretInBody() {
        broker(ClientAuthMethod.CLIENT_SECRET_POST);

        broker.tokenOrThrow(TokenRequest.forAgent("backend"));

        assertThat(idp.drainTokenRequestList()).singleElement().satisfies(r -> {
            assertThat(r.getHeader("Authorization")).isNull();
            assertThat(r.getBody().readUtf8()).contains("client_id=reporting-agent", "client_secret=m2m-secret-value");
        });
    }

    @Test
    void tokenWhenDifferentScopesThenSeparateTokens() {
        broker(ClientAuthMethod.CLIENT_SECRET_BASIC);

        AccessToken read = broker.tokenOrThrow(TokenRequest.forAgent("backend", "read"));
        AccessToken write = broker.tokenOrThrow(TokenRequest.forAgent("backend", "write"));

        assertThat(read.value()).isNotEqualTo(write.value());
        assertThat(broker.tokenOrThrow(TokenRequest.forAgent("backend", "read"))).isSameAs(read);
    }

    @Test
    void tokenWhenPublicClientThenClientCredentialsRefusedWithClearError() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("public").issuer(idp.issuer()).clientId("cli").build())
                .build();

        assertThatThrownBy(() -> broker.token(TokenRequest.forAgent("public")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("confidential");
    }

    @Test
    void tokenWhenIssuerUnreachableThenBuildFailsRetryably() {
        assertThatThrownBy(() -> TokenBroker.builder()
                .provider(Provider.oauth2("gone").issuer("http://127.0.0.1:9/nothing").clientId("c")
                        .clientSecret("x-secret").build())
                .connectTimeout(Duration.ofMillis(500)).build())
                .isInstanceOfSatisfying(ProviderUnavailableException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("gone").hasMessageContaining("cannot fetch metadata");
    }

    @Test
    void tokenWhenLazyDiscoveryAndIssuerUnreachableThenErrorOnFirstUse() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("gone").issuer("http://127.0.0.1:9/nothing").clientId("c")
                        .clientSecret("x-secret").build())
                .connectTimeout(Duration.ofMillis(500)).eagerDiscovery(false).build();

        assertThatThrownBy(() -> broker.token(TokenRequest.forAgent("gone")))
                .isInstanceOf(ProviderUnavailableException.class);
    }

    @Test
    void apiKeyWhenConfiguredForAgentThenReturnedAndUserKeyWins() {
        broker = TokenBroker.builder()
                .provider(Provider.apiKey("weather").apiKey(Secret.of("agent-wide-key")).build())
                .provider(Provider.apiKey("maps").build())
                .build();
        TokenRequest forAlice = TokenRequest.builder().provider("weather").principal(Principal.user("alice"))
                .flow(Flow.API_KEY).build();

        assertThat(broker.tokenOrThrow(forAlice).value()).isEqualTo("agent-wide-key");
        broker.storeApiKey(ProviderId.of("weather"), Principal.user("alice"), false, Secret.of("alice-own-key"));
        assertThat(broker.tokenOrThrow(forAlice).value()).isEqualTo("alice-own-key");
        assertThat(broker.tokenOrThrow(TokenRequest.builder().provider("weather").principal(Principal.user("bob"))
                .flow(Flow.API_KEY).build()).value()).isEqualTo("agent-wide-key");

        assertThatThrownBy(() -> broker.token(TokenRequest.builder().provider("maps")
                .principal(Principal.user("alice")).flow(Flow.API_KEY).build()))
                .isInstanceOf(MissingCredentialException.class).hasMessageContaining("storeApiKey");
    }

    @Test
    void tokenWhenFlowDoesNotFitProviderThenConfigurationError() {
        broker = TokenBroker.builder().provider(Provider.apiKey("weather").build()).build();
        assertThatThrownBy(() -> broker.token(TokenRequest.forUser("weather", "alice")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("Flow.API_KEY");
    }
}
