package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UserConsentFlowTest {

    static TestIdp idp;
    final ScriptedBrowser browser = new ScriptedBrowser();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    TokenBroker broker;

    @BeforeAll
    static void startIdp() {
        idp = TestIdp.start();
    }

    @AfterAll
    static void stopIdp() {
        idp.close();
    }

    @BeforeEach
    void newBroker() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").displayName("Corp SSO").issuer(idp.issuer())
                        .clientId("agent-client").clientSecret("s3cr3t-value").defaultScopes("openid").build())
                .loopbackCallback()
                .auditListener(events::add)
                .build();
        idp.drainRequests();
    }

    @AfterEach
    void closeBroker() {
        broker.close();
    }

    @Test
    void tokenWhenUserHasNoGrantThenConsentRequirementWithPkceAuthorizationUrl() {
        TokenResult result = broker.token(TokenRequest.forUser("corp", "alice", "repo"));

        assertThat(result).isInstanceOf(TokenResult.ConsentRequired.class);
        ConsentRequirement consent = ((TokenResult.ConsentRequired) result).consent();
        assertThat(consent.provider()).isEqualTo(ProviderId.of("corp"));
        assertThat(consent.providerDisplayName()).isEqualTo("Corp SSO");
        assertThat(consent.scopes()).isEqualTo(Scopes.of("openid", "repo"));
        assertThat(consent.principal()).isEqualTo(Principal.user("alice"));
        String url = consent.authorizationUri().toString();
        assertThat(url).startsWith(idp.authorizationEndpoint())
                .contains("code_challenge_method=S256", "code_challenge=", "state=", "response_type=code",
                        "client_id=agent-client", "redirect_uri=" + java.net.URLEncoder.encode(
                                broker.redirectUri().orElseThrow().toString(), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(events).extracting(AuditEvent::type).contains(AuditEvent.Type.CONSENT_REQUESTED);
    }

    @Test
    void consentWhenUserSignsInThenTokenIsForThatUserAndCached() throws Exception {
        TokenRequest request = TokenRequest.forUser("corp", "alice", "repo");
        ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(request)).consent();
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());

        HttpResponse<String> page = browser.authorize(consent.authorizationUri(), "alice");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Connected Corp SSO");
        AccessToken token = completion.get(5, TimeUnit.SECONDS);
        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getSubject()).isEqualTo("alice");
        assertThat(token.scopes().containsAll(Scopes.of("repo"))).isTrue();
        idp.drainRequests();

        TokenResult again = broker.token(request);

        assertThat(again).isEqualTo(new TokenResult.Granted(token));
        assertThat(idp.drainRequests()).as("cached: no request to the IdP").isEmpty();
        assertThat(events).extracting(AuditEvent::type).contains(AuditEvent.Type.CONSENT_COMPLETED,
                AuditEvent.Type.TOKEN_ISSUED);
    }

    @Test
    void awaitTokenWhenUserCompletesConsentThenReturnsToken() {
        List<ConsentRequirement> shown = new CopyOnWriteArrayList<>();
        CompletableFuture<AccessToken> waiting = CompletableFuture.supplyAsync(() -> broker.awaitToken(
                TokenRequest.forUser("corp", "bob"), shown::add, Duration.ofSeconds(20)));
        await(() -> !shown.isEmpty());

        browser.authorize(shown.get(0).authorizationUri(), "bob");

        AccessToken token = waiting.join();
        assertThat(token.value()).isNotBlank();
    }

    @Test
    void awaitTokenWhenUserNeverComesThenConsentRequiredExceptionAfterTimeout() {
        assertThatThrownBy(() -> broker.awaitToken(TokenRequest.forUser("corp", "carol"), c -> { },
                Duration.ofMillis(200)))
                .isInstanceOf(ConsentRequiredException.class)
                .hasMessageContaining("carol").hasMessageContaining("within");
    }

    @Test
    void tokenWhenGrantHasFewerScopesThenConsentForUnion() {
        completeConsent(TokenRequest.forUser("corp", "dave", "read"), "dave");

        TokenResult wider = broker.token(TokenRequest.forUser("corp", "dave", "write"));

        assertThat(wider).isInstanceOf(TokenResult.ConsentRequired.class);
        assertThat(((TokenResult.ConsentRequired) wider).consent().scopes())
                .isEqualTo(Scopes.of("openid", "read", "write"));
        TokenResult narrower = broker.token(TokenRequest.forUser("corp", "dave"));
        assertThat(narrower).as("a superset grant satisfies a narrower request")
                .isInstanceOf(TokenResult.Granted.class);
    }

    @Test
    void tokenWhenConsentPendingThenSameConsentReturned() {
        TokenRequest request = TokenRequest.forUser("corp", "erin", "repo");
        ConsentRequirement first = ((TokenResult.ConsentRequired) broker.token(request)).consent();
        ConsentRequirement second = ((TokenResult.ConsentRequired) broker.token(request)).consent();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void forceConsentWhenGrantExistsThenNewConsent() {
        TokenRequest request = TokenRequest.forUser("corp", "frank");
        completeConsent(request, "frank");

        TokenResult forced = broker.token(request.withForceConsent(true));

        assertThat(forced).isInstanceOf(TokenResult.ConsentRequired.class);
    }

    @Test
    void agentScopedGrantWhenOtherAgentAsksThenNotShared() {
        TokenRequest agentA = TokenRequest.builder().provider("corp").principal(Principal.of("gina", "agent-a"))
                .agentScoped(true).build();
        completeConsent(agentA, "gina");

        TokenRequest agentB = TokenRequest.builder().provider("corp").principal(Principal.of("gina", "agent-b"))
                .agentScoped(true).build();
        TokenRequest shared = TokenRequest.builder().provider("corp").principal(Principal.of("gina", "agent-b"))
                .build();

        assertThat(broker.token(agentA)).isInstanceOf(TokenResult.Granted.class);
        assertThat(broker.token(agentB)).isInstanceOf(TokenResult.ConsentRequired.class);
        assertThat(broker.token(shared)).isInstanceOf(TokenResult.ConsentRequired.class);
    }

    @Test
    void tokenWhenOtherUserConnectedThenStillConsent() {
        completeConsent(TokenRequest.forUser("corp", "henry"), "henry");
        assertThat(broker.token(TokenRequest.forUser("corp", "ivy"))).isInstanceOf(TokenResult.ConsentRequired.class);
    }

    @Test
    void disconnectWhenConnectedThenRevokedAtProviderAndConsentNeededAgain() {
        TokenRequest request = TokenRequest.forUser("corp", "jack");
        completeConsent(request, "jack");
        assertThat(broker.grants("jack")).singleElement().satisfies(g -> {
            assertThat(g.provider()).isEqualTo(ProviderId.of("corp"));
            assertThat(g.hasRefreshToken()).isTrue();
        });
        idp.drainRequests();

        int removed = broker.disconnect(ProviderId.of("corp"), "jack");

        assertThat(removed).isEqualTo(1);
        assertThat(idp.drainRequests()).anySatisfy(r -> assertThat(r.getPath()).endsWith("/revoke"));
        assertThat(broker.grants("jack")).isEmpty();
        assertThat(broker.token(request)).isInstanceOf(TokenResult.ConsentRequired.class);
        assertThat(events).extracting(AuditEvent::type).contains(AuditEvent.Type.GRANT_REVOKED);
    }

    @Test
    void tokenForUnknownProviderThenConfigurationError() {
        assertThatThrownBy(() -> broker.token(TokenRequest.forUser("nope", "alice")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown provider 'nope'");
    }

    AccessToken completeConsent(TokenRequest request, String user) {
        ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(request)).consent();
        HttpResponse<String> page = browser.authorize(consent.authorizationUri(), user);
        assertThat(page.statusCode()).isEqualTo(200);
        return broker.consentCompletion(consent.id()).join();
    }

    static void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 10 s");
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
