package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.jwk.RSAKey;
import dev.agentauth.core.testing.FaultProxy;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.core.testing.TestKeys;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every hostile or broken answer of a token endpoint, for each grant that renews without the user — refresh, client
 * credentials, token exchange, JWT bearer — through a fault-injecting server in front of a real identity provider:
 * the exception's type, whether it is retryable, the advice in its message, and that the grant works again once the
 * provider is healthy (a throttled or broken refresh never deletes the grant).
 */
class TokenEndpointFaultTest {

    static final String EMAIL = "faults@agent-auth-test.iam.gserviceaccount.com";
    static final Duration READ_TIMEOUT = Duration.ofMillis(800);
    static TestIdp idp;
    static FaultProxy proxy;
    static String keyJson;
    final MutableClock clock = MutableClock.now();
    final ScriptedBrowser browser = new ScriptedBrowser();
    TokenBroker broker;

    enum Grant { REFRESH, CLIENT_CREDENTIALS, TOKEN_EXCHANGE, JWT_BEARER }

    /** What a fault must become. {@code lifetime} for answers that are tokens after all. */
    record Expect(Class<? extends AgentAuthException> type, boolean retryable, String advice, Duration retryAfter,
                  Duration lifetime) {
        static Expect unavailable(String advice) {
            return new Expect(ProviderUnavailableException.class, true, advice, null, null);
        }

        static Expect unavailable(String advice, Duration retryAfter) {
            return new Expect(ProviderUnavailableException.class, true, advice, retryAfter, null);
        }

        static Expect unsupported(String advice) {
            return new Expect(UnsupportedTokenTypeException.class, false, advice, null, null);
        }

        static Expect token(Duration lifetime) {
            return new Expect(null, false, null, null, lifetime);
        }
    }

    record Case(String name, FaultProxy.Fault fault, Expect expect) {
        @Override
        public String toString() {
            return name;
        }
    }

    static String ok(String expiresIn) {
        return "{\"access_token\":\"fault-token-value\",\"token_type\":\"Bearer\"" + (expiresIn == null ? ""
                : ",\"expires_in\":" + expiresIn) + "}";
    }

    static List<Case> cases() {
        return List.of(
                new Case("500", FaultProxy.answer(500, "text/plain", "oops"), Expect.unavailable("HTTP 500")),
                new Case("502", FaultProxy.answer(502, "text/html", "<h1>Bad Gateway</h1>"),
                        Expect.unavailable("HTTP 502")),
                new Case("503", FaultProxy.answer(503, "text/plain", "down"), Expect.unavailable("HTTP 503")),
                new Case("429 slow_down JSON with Retry-After", new FaultProxy.Answer(429, Map.of("Content-Type",
                        "application/json", "Retry-After", "7"), "{\"error\":\"slow_down\"}"),
                        Expect.unavailable("retry after 7 s", Duration.ofSeconds(7))),
                new Case("429 invalid_grant JSON", FaultProxy.json(429, "{\"error\":\"invalid_grant\"}"),
                        Expect.unavailable("HTTP 429 (invalid_grant)")),
                new Case("429 plain with Retry-After", new FaultProxy.Answer(429, Map.of("Content-Type",
                        "text/plain", "Retry-After", "30"), "Too Many Requests"),
                        Expect.unavailable("retry after 30 s", Duration.ofSeconds(30))),
                new Case("400 server_error", FaultProxy.json(400, "{\"error\":\"server_error\"}"),
                        Expect.unavailable("server_error")),
                new Case("read timeout", new FaultProxy.Stall(READ_TIMEOUT.multipliedBy(2)),
                        Expect.unavailable("unreachable")),
                new Case("connection reset", new FaultProxy.Reset(), Expect.unavailable("unreachable")),
                new Case("body dripped slower than the read timeout", new FaultProxy.Drip(ok("3600"),
                        Duration.ofMillis(100)), Expect.unavailable("unreachable")),
                new Case("body of 2 MiB", FaultProxy.json(200, "{\"access_token\":\"" + "x".repeat(2 << 20)
                        + "\",\"token_type\":\"Bearer\"}"), Expect.unavailable("unreachable")),
                new Case("truncated body", new FaultProxy.Truncated("{\"access_token\":\"abc"),
                        Expect.unavailable("unreachable")),
                new Case("malformed JSON", FaultProxy.json(200, "{\"access_token\": \"x\", "),
                        Expect.unavailable("not a JSON object")),
                new Case("HTML page with 200", FaultProxy.answer(200, "text/html", "<html>login</html>"),
                        Expect.unavailable("not a JSON object (Content-Type text/html)")),
                new Case("JSON array", FaultProxy.json(200, "[\"access_token\"]"),
                        Expect.unavailable("not a JSON object")),
                new Case("missing access_token", FaultProxy.json(200, "{\"token_type\":\"Bearer\"}"),
                        Expect.unavailable("no access_token")),
                new Case("numeric access_token", FaultProxy.json(200,
                        "{\"access_token\":12345,\"token_type\":\"Bearer\"}"),
                        Expect.unavailable("access_token is not a string")),
                new Case("empty access_token", FaultProxy.json(200, "{\"access_token\":\"\",\"token_type\":\"Bearer\"}"),
                        Expect.unavailable("access_token is empty")),
                new Case("token_type missing", FaultProxy.json(200, "{\"access_token\":\"t\"}"),
                        Expect.unavailable("no token_type")),
                new Case("token_type unknown", FaultProxy.json(200, "{\"access_token\":\"t\",\"token_type\":\"mac\"}"),
                        Expect.unsupported("type 'mac'")),
                new Case("token_type DPoP", FaultProxy.json(200,
                        "{\"access_token\":\"t\",\"token_type\":\"DPoP\",\"expires_in\":60}"),
                        Expect.unsupported("RFC 9449")),
                new Case("expires_in 0", FaultProxy.json(200, ok("0")), Expect.token(Duration.ZERO)),
                new Case("expires_in negative", FaultProxy.json(200, ok("-5")),
                        Expect.unavailable("expires_in is negative")),
                new Case("expires_in huge", FaultProxy.json(200, ok(String.valueOf(Long.MAX_VALUE))),
                        Expect.token(Duration.ofDays(3650))),
                new Case("expires_in a string", FaultProxy.json(200, ok("\"3600\"")),
                        Expect.token(Duration.ofSeconds(3600))),
                new Case("expires_in a decimal", FaultProxy.json(200, ok("3599.9")),
                        Expect.token(Duration.ofSeconds(3599))),
                new Case("expires_in not a number", FaultProxy.json(200, ok("\"soon\"")),
                        Expect.unavailable("expires_in is not a number")));
    }

    static Stream<Arguments> matrix() {
        List<Arguments> all = new ArrayList<>();
        for (Grant g : Grant.values()) {
            for (Case c : cases()) {
                all.add(Arguments.of(g, c));
            }
        }
        return all.stream();
    }

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        proxy = FaultProxy.to(URI.create(idp.issuer()));
        RSAKey key = TestKeys.rsa("aabbccddeeff00112233445566778899aabbccdd");
        keyJson = TestKeys.serviceAccountJson(key, EMAIL, tokenEndpoint());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        idp.close();
    }

    static String tokenEndpoint() {
        return proxy.url(URI.create(idp.tokenEndpoint()).getPath());
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    void broker() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).tokenEndpoint(tokenEndpoint())
                        .clientId("fault-client").clientSecret("fault-secret").defaultScopes("openid").build())
                .provider(Provider.oauth2("corp-direct").issuer(idp.issuer()).clientId("direct-client")
                        .clientSecret("direct-secret").defaultScopes("openid").build())
                .provider(Provider.oauth2("corp-obo").issuer(idp.issuer()).tokenEndpoint(tokenEndpoint())
                        .clientId("obo-client").clientSecret("obo-secret").build())
                .provider(Provider.serviceAccount("gcp", ServiceAccountKey.fromJson(keyJson)).build())
                .clock(clock).readTimeout(READ_TIMEOUT).redirectUri(URI.create("http://127.0.0.1:9/callback")).build();
    }

    void connect(String provider, String user) {
        TokenResult r = broker.token(TokenRequest.forUser(provider, user));
        URI callback = browser.signIn(((TokenResult.ConsentRequired) r).consent().authorizationUri(), user);
        assertThat(broker.completeConsent(callback).success()).isTrue();
    }

    TokenRequest prepare(Grant grant) {
        switch (grant) {
            case REFRESH -> {
                connect("corp", "alice");
                clock.advance(Duration.ofHours(2)); // the next call refreshes
                return TokenRequest.forUser("corp", "alice");
            }
            case CLIENT_CREDENTIALS -> {
                return TokenRequest.forAgent("corp", "reports");
            }
            case TOKEN_EXCHANGE -> {
                connect("corp-direct", "bob");
                return TokenRequest.builder().provider("corp-obo").principal(Principal.user("bob"))
                        .flow(Flow.TOKEN_EXCHANGE).subjectProvider("corp-direct").audience("billing").build();
            }
            default -> {
                return TokenRequest.builder().provider("gcp").principal(Principal.agent("reporter"))
                        .flow(Flow.JWT_BEARER).scopes("cloud").build();
            }
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("matrix")
    void tokenWhenTokenEndpointMisbehavesThenTypedErrorAndTheGrantWorksOnceItIsHealthy(Grant grant, Case c) {
        broker();
        TokenRequest request = prepare(grant);
        Instant before = clock.instant();

        proxy.next(c.fault());
        Throwable thrown = catchThrowable(() -> {
            TokenResult r = broker.token(request);
            assertThat(r).as("a fault never turns into a consent").isInstanceOf(TokenResult.Granted.class);
            AccessToken t = ((TokenResult.Granted) r).token();
            assertThat(t.value()).isEqualTo("fault-token-value");
            assertThat(t.expiresAt()).isPresent();
            assertThat(Duration.between(before, t.expiresAt().get())).isEqualTo(c.expect().lifetime());
        });

        Expect e = c.expect();
        if (e.type() == null) {
            assertThat(thrown).as("no error for %s", c).isNull();
        } else {
            assertThat(thrown).isInstanceOf(e.type());
            AgentAuthException ae = (AgentAuthException) thrown;
            assertThat(ae.retryable()).isEqualTo(e.retryable());
            assertThat(ae.getMessage()).contains(e.advice()).doesNotContain("fault-secret", "direct-secret");
            assertThat(ae.provider()).isEqualTo(request.provider());
            if (e.retryAfter() != null) {
                assertThat(((ProviderUnavailableException) ae).retryAfter()).contains(e.retryAfter());
            }
        }

        // Healthy again: the grant works (a refresh still has its refresh token: no consent is needed). A token that
        // was issued with a usable lifetime is served until it goes stale; one issued already expired is replaced.
        clock.advance(Duration.ofSeconds(1));
        TokenResult again = broker.token(request);
        assertThat(again).isInstanceOf(TokenResult.Granted.class);
        boolean stillValid = e.lifetime() != null && !e.lifetime().isZero();
        assertThat(((TokenResult.Granted) again).token().value().equals("fault-token-value")).isEqualTo(stillValid);
    }

    /** A refused revocation (RFC 7009 §2.2.1) keeps the provider's reason; the local grant goes anyway. */
    @org.junit.jupiter.api.Test
    void disconnectWhenRevocationRefusedThenProvidersReasonLoggedAndLocalGrantDeleted() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("fault-client")
                        .clientSecret("fault-secret").defaultScopes("openid")
                        .revocationEndpoint(proxy.url("/default/revoke")).build())
                .clock(clock).redirectUri(URI.create("http://127.0.0.1:9/callback")).build();
        connect("corp", "carol");
        proxy.next(FaultProxy.json(400, "{\"error\":\"unsupported_token_type\",\"error_description\":"
                + "\"revocation of refresh tokens is disabled\"}"));
        try (dev.agentauth.core.testing.LogCapture logs = dev.agentauth.core.testing.LogCapture.start()) {
            assertThat(broker.disconnect(ProviderId.of("corp"), "carol")).isEqualTo(1);
            assertThat(logs.projectLines()).anyMatch(l -> l.contains("unsupported_token_type")
                    && l.contains("revocation of refresh tokens is disabled"));
        }
        assertThat(broker.grants("carol")).isEmpty();
    }
}
