package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RefreshTest {

    static TestIdp idp;
    static TestIdp rotatingIdp;
    static FlakyGateway gateway;

    final ScriptedBrowser browser = new ScriptedBrowser();
    final MutableClock clock = MutableClock.now();
    final TokenStore store = TokenStore.inMemory();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start(false);
        rotatingIdp = TestIdp.start(true);
        gateway = FlakyGateway.to(URI.create(idp.issuer()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        idp.close();
        rotatingIdp.close();
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
        gateway.mode(FlakyGateway.Mode.PASS);
    }

    TokenBroker broker(TestIdp server, boolean throughGateway) {
        ProviderBuilder p = Provider.oauth2("corp").issuer(server.issuer()).clientId("agent-client")
                .clientSecret("client-secret-value").defaultScopes("openid");
        if (throughGateway) {
            p.tokenEndpoint(gateway.url(URI.create(server.tokenEndpoint()).getPath()));
        }
        broker = TokenBroker.builder().provider(p.build()).clock(clock).tokenStore(store).loopbackCallback()
                .readTimeout(Duration.ofMillis(1500)).auditListener(events::add).build();
        return broker;
    }

    static final GrantKey ALICE = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "alice", GrantKey.SHARED, "");
    static final TokenRequest REQUEST = TokenRequest.forUser("corp", "alice");

    AccessToken consent(TestIdp server) {
        ConsentRequirement c = ((TokenResult.ConsentRequired) broker.token(REQUEST)).consent();
        assertThat(browser.authorize(c.authorizationUri(), "alice").statusCode()).isEqualTo(200);
        AccessToken token = broker.consentCompletion(c.id()).join();
        server.drainRequests();
        return token;
    }

    AccessToken granted(TokenResult r) {
        assertThat(r).isInstanceOf(TokenResult.Granted.class);
        return ((TokenResult.Granted) r).token();
    }

    @Test
    void tokenWhenExpiredThenRefreshedKeepingRefreshTokenWithoutRotation() {
        broker(idp, false);
        AccessToken first = consent(idp);
        String refreshBefore = store.find(ALICE).orElseThrow().refreshToken();

        clock.advance(Duration.ofHours(2));
        AccessToken second = granted(broker.token(REQUEST));

        assertThat(second.value()).isNotEqualTo(first.value());
        assertThat(idp.drainTokenRequests()).isEqualTo(1);
        assertThat(store.find(ALICE).orElseThrow().refreshToken()).isEqualTo(refreshBefore);
        assertThat(events).extracting(AuditEvent::type).contains(AuditEvent.Type.TOKEN_REFRESHED);
    }

    @Test
    void tokenWhenWithinClockSkewOfExpiryThenRefreshedEarly() {
        broker(idp, false);
        AccessToken first = consent(idp);
        Duration lifetime = Duration.between(clock.instant(), first.expiresAt().orElseThrow());

        clock.advance(lifetime.minusSeconds(59)); // inside the 60 s skew
        AccessToken second = granted(broker.token(REQUEST));

        assertThat(second.value()).isNotEqualTo(first.value());
    }

    @Test
    void tokenWhenProviderRotatesRefreshTokenThenNewOneStoredAndUsedNext() {
        broker(rotatingIdp, false);
        consent(rotatingIdp);
        String original = store.find(ALICE).orElseThrow().refreshToken();

        clock.advance(Duration.ofHours(2));
        granted(broker.token(REQUEST));
        String rotated = store.find(ALICE).orElseThrow().refreshToken();
        clock.advance(Duration.ofHours(2));
        granted(broker.token(REQUEST)); // only works with the rotated refresh token

        assertThat(rotated).isNotEqualTo(original);
        assertThat(store.find(ALICE).orElseThrow().refreshToken()).isNotEqualTo(rotated);
        assertThat(rotatingIdp.drainTokenRequests()).isEqualTo(2);
    }

    @Test
    void tokenWhenRefreshTokenRevokedAtProviderThenGrantRemovedAndConsentRequired() throws Exception {
        broker(idp, false);
        consent(idp);
        revokeAtProvider(idp, store.find(ALICE).orElseThrow().refreshToken());

        clock.advance(Duration.ofHours(2));
        TokenResult result = broker.token(REQUEST);

        assertThat(result).isInstanceOf(TokenResult.ConsentRequired.class);
        assertThat(store.find(ALICE)).isEmpty();
        assertThat(events).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo(AuditEvent.Type.GRANT_INVALIDATED);
            assertThat(e.detail()).isEqualTo("invalid_grant");
        });
    }

    @Test
    void tokenWhenHundredCallersOnExpiredTokenThenExactlyOneTokenRequest() throws Exception {
        broker(idp, false);
        AccessToken old = consent(idp);
        clock.advance(Duration.ofHours(2));

        int callers = 100;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<TokenResult>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return broker.token(REQUEST);
            }));
        }
        go.countDown();
        Set<String> tokens = ConcurrentHashMap.newKeySet();
        for (Future<TokenResult> f : results) {
            tokens.add(granted(f.get()).value());
        }
        pool.shutdown();

        assertThat(idp.drainTokenRequests()).as("token requests counted at the IdP").isEqualTo(1);
        assertThat(tokens).hasSize(1).doesNotContain(old.value());
    }

    @Test
    void tokenWhenProviderAnswers503ThenRetryableErrorAndGrantKept() {
        broker(idp, true);
        consent(idp);
        StoredGrant before = store.find(ALICE).orElseThrow();
        clock.advance(Duration.ofHours(2));
        gateway.mode(FlakyGateway.Mode.UNAVAILABLE);

        assertThatThrownBy(() -> broker.token(REQUEST))
                .isInstanceOfSatisfying(ProviderUnavailableException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.provider()).isEqualTo(ProviderId.of("corp"));
                    assertThat(e.principal()).isEqualTo(Principal.user("alice"));
                })
                .hasMessageContaining("HTTP 503").hasMessageContaining("kept");
        assertThat(store.find(ALICE)).contains(before);

        gateway.mode(FlakyGateway.Mode.PASS);
        assertThat(broker.token(REQUEST)).isInstanceOf(TokenResult.Granted.class);
    }

    @Test
    void tokenWhenProviderAnswersGarbageThenRetryableMalformedErrorAndGrantKept() {
        broker(idp, true);
        consent(idp);
        clock.advance(Duration.ofHours(2));
        gateway.mode(FlakyGateway.Mode.GARBAGE);

        assertThatThrownBy(() -> broker.token(REQUEST)).isInstanceOf(ProviderUnavailableException.class)
                .hasMessageContaining("malformed");
        assertThat(store.find(ALICE)).isPresent();
    }

    @Test
    void tokenWhenProviderIsSlowerThanReadTimeoutThenRetryableTimeoutAndGrantKept() {
        broker(idp, true);
        consent(idp);
        clock.advance(Duration.ofHours(2));
        gateway.slowMillis(5_000);
        gateway.mode(FlakyGateway.Mode.SLOW);

        assertThatThrownBy(() -> broker.token(REQUEST)).isInstanceOf(ProviderUnavailableException.class)
                .hasMessageContaining("Timeout");
        assertThat(store.find(ALICE)).isPresent();
    }

    @Test
    void reportRejectedWhenTokenStillCurrentThenRefreshedOnce() {
        broker(idp, false);
        AccessToken token = consent(idp);

        AccessToken replaced = granted(broker.reportRejected(REQUEST, token));
        AccessToken again = granted(broker.reportRejected(REQUEST, token));

        assertThat(replaced.value()).isNotEqualTo(token.value());
        assertThat(again).isEqualTo(replaced);
        assertThat(idp.drainTokenRequests()).isEqualTo(1);
    }

    static void revokeAtProvider(TestIdp server, String refreshToken) throws Exception {
        String basic = Base64.getEncoder().encodeToString("agent-client:client-secret-value"
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.revocationEndpoint()))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(refreshToken,
                        StandardCharsets.UTF_8) + "&token_type_hint=refresh_token")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        server.drainRequests();
    }
}
