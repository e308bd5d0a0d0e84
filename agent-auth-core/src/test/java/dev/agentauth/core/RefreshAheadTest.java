package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.testing.FaultProxy;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Token rollover with refresh ahead: 1,000 concurrent callers as a token goes stale get the still-valid token at once
 * while exactly one renewal runs in the background (slowed down at the identity provider, so any caller that waited
 * for it would hold the new token); a provider that fails during the stale window leaves every caller served, and
 * the renewal is retried.
 */
class RefreshAheadTest {

    static final int CALLERS = 1_000;
    static TestIdp idp;
    static FaultProxy proxy;
    final MutableClock clock = MutableClock.now();
    final ExecutorService renewals = Executors.newSingleThreadExecutor();
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        proxy = FaultProxy.to(URI.create(idp.issuer()));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        idp.close();
    }

    @AfterEach
    void close() throws InterruptedException {
        if (broker != null) {
            broker.close();
        }
        renewals.shutdownNow();
        renewals.awaitTermination(5, TimeUnit.SECONDS);
    }

    TokenRequest setUp(String grant) {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer())
                        .tokenEndpoint(proxy.url(URI.create(idp.tokenEndpoint()).getPath()))
                        .clientId("ahead-client").clientSecret("ahead-secret").defaultScopes("openid").build())
                .clock(clock).refreshAhead(Duration.ofMinutes(5)).refreshExecutor(renewals)
                .redirectUri(URI.create("http://127.0.0.1:9/callback")).build();
        if (grant.equals("client credentials")) {
            return TokenRequest.forAgent("corp", "reports");
        }
        TokenResult r = broker.token(TokenRequest.forUser("corp", "alice"));
        URI callback = new ScriptedBrowser().signIn(((TokenResult.ConsentRequired) r).consent().authorizationUri(),
                "alice");
        assertThat(broker.completeConsent(callback).success()).isTrue();
        return TokenRequest.forUser("corp", "alice");
    }

    /** Moves the clock into the stale window: 2 min before the token counts as expired (skew 60 s). */
    void intoStaleWindow(AccessToken token) {
        Duration left = Duration.between(clock.instant(), token.expiresAt().orElseThrow());
        clock.advance(left.minusSeconds(60).minusMinutes(2));
    }

    /** How many of {@code CALLERS} concurrent calls returned something other than {@code current}. */
    int callersNotServedTheCurrentToken(TokenRequest request, AccessToken current) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<AccessToken>> calls = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                calls.add(() -> broker.tokenOrThrow(request));
            }
            int other = 0;
            for (Future<AccessToken> f : pool.invokeAll(calls)) {
                other += f.get().value().equals(current.value()) ? 0 : 1;
            }
            return other;
        } finally {
            pool.shutdown();
        }
    }

    /** Waits until every renewal submitted so far has run. */
    void awaitRenewals() throws Exception {
        renewals.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client credentials", "user consent (refresh)"})
    void tokenWhenThousandCallersAtRolloverThenAllServedAtOnceAndOneRenewal(String grant) throws Exception {
        TokenRequest request = setUp(grant);
        AccessToken current = broker.tokenOrThrow(request);
        intoStaleWindow(current);
        idp.drainRequests();
        proxy.next(new FaultProxy.Stall(Duration.ofMillis(1500))); // the renewal takes 1.5 s at the provider

        int waited = callersNotServedTheCurrentToken(request, current);
        awaitRenewals();

        assertThat(waited).as("callers that waited on the network while the token was valid").isZero();
        assertThat(idp.drainTokenRequestList()).as("token requests").hasSize(1);
        AccessToken renewed = broker.tokenOrThrow(request);
        assertThat(renewed.value()).isNotEqualTo(current.value());
        assertThat(renewed.expiresAt().orElseThrow()).isAfter(current.expiresAt().orElseThrow());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client credentials", "user consent (refresh)"})
    void tokenWhenProviderFailsInTheStaleWindowThenEveryCallerServedAndRenewalRetriedWithBackoff(String grant)
            throws Exception {
        TokenRequest request = setUp(grant);
        AccessToken current = broker.tokenOrThrow(request);
        intoStaleWindow(current);
        idp.drainRequests();
        proxy.next(FaultProxy.answer(503, "text/plain", "down"));

        int notServed = callersNotServedTheCurrentToken(request, current);
        awaitRenewals();

        assertThat(notServed).isZero();
        assertThat(broker.tokenOrThrow(request).value()).as("still the current token, within backoff")
                .isEqualTo(current.value());
        awaitRenewals();
        assertThat(idp.drainTokenRequestList()).as("no retry before the backoff has passed").isEmpty();

        clock.advance(Duration.ofSeconds(2)); // past the first backoff (1 s)
        assertThat(broker.tokenOrThrow(request).value()).isEqualTo(current.value());
        awaitRenewals();
        assertThat(idp.drainTokenRequestList()).hasSize(1);
        assertThat(broker.tokenOrThrow(request).value()).isNotEqualTo(current.value());
    }

    /**
     * A user's grant without a refresh token can only be renewed by the user: in the stale window it is served as it
     * is, with no renewal and no early consent; only once it expires is the user asked.
     */
    @org.junit.jupiter.api.Test
    void tokenWhenUserGrantHasNoRefreshTokenThenServedThroughTheStaleWindowAndConsentOnlyAfterExpiry()
            throws Exception {
        java.util.List<AuditEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.agentauth.core.store.TokenStore store = dev.agentauth.core.store.TokenStore.inMemory();
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("ahead-client")
                        .clientSecret("ahead-secret").defaultScopes("openid").build())
                .tokenStore(store).clock(clock).refreshExecutor(renewals).auditListener(events::add)
                .redirectUri(URI.create("http://127.0.0.1:9/callback")).build();
        TokenRequest request = TokenRequest.forUser("corp", "dana");
        TokenResult r = broker.token(request);
        URI callback = new ScriptedBrowser().signIn(((TokenResult.ConsentRequired) r).consent().authorizationUri(),
                "dana");
        assertThat(broker.completeConsent(callback).success()).isTrue();
        dev.agentauth.core.store.GrantKey key = new dev.agentauth.core.store.GrantKey(
                dev.agentauth.core.ProviderId.of("corp"), Flow.USER_CONSENT, "dana",
                dev.agentauth.core.store.GrantKey.SHARED, "");
        dev.agentauth.core.store.StoredGrant g = store.find(key).orElseThrow();
        store.save(new dev.agentauth.core.store.StoredGrant(key, g.accessToken(), g.tokenType(), null, g.scopes(),
                g.expiresAt(), g.updatedAt()));
        AccessToken current = broker.tokenOrThrow(request);
        intoStaleWindow(current);
        events.clear();

        for (int i = 0; i < 100; i++) {
            assertThat(broker.tokenOrThrow(request).value()).isEqualTo(current.value());
        }
        awaitRenewals();
        assertThat(events).as("no renewal, no invalidation, no early consent").isEmpty();

        clock.advance(Duration.ofMinutes(3)); // past the expiry margin
        assertThat(broker.token(request)).isInstanceOf(TokenResult.ConsentRequired.class);
    }
}
