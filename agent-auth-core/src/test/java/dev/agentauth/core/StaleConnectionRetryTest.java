package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.agentauth.core.testing.KeepAliveProxy;
import dev.agentauth.core.testing.KeepAliveProxy.Action;
import dev.agentauth.core.testing.KeepAliveProxy.On;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A token request sent on a kept-alive connection that the server closes just then ("HTTP/1.1 header parser received
 * no bytes") is sent once more on a new connection; nothing that the server may have processed is ever sent twice. A
 * raw-socket server in front of a real identity provider keeps connections alive, closes one exactly when it is reused,
 * and counts what it received, on how many connections, and what reached the identity provider.
 */
class StaleConnectionRetryTest {

    static final Duration READ_TIMEOUT = Duration.ofSeconds(2); // KeepAliveProxy.STALL is longer
    static TestIdp idp;
    final MutableClock clock = MutableClock.now();
    final ScriptedBrowser browser = new ScriptedBrowser();
    KeepAliveProxy proxy;
    TokenBroker broker;

    @BeforeAll
    static void startIdp() {
        idp = TestIdp.start(true); // strict rotation: a refresh token used twice would be refused
        new ScriptedBrowser().get(URI.create(idp.issuer() + "/.well-known/openid-configuration")); // warm it up
    }

    @AfterAll
    static void stopIdp() {
        idp.close();
    }

    @BeforeEach
    void start() {
        proxy = KeepAliveProxy.to(URI.create(idp.issuer()));
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer())
                        .tokenEndpoint(proxy.url(URI.create(idp.tokenEndpoint()).getPath()))
                        .clientId("stale-client").clientSecret("stale-secret-value").defaultScopes("openid").build())
                .clock(clock).readTimeout(READ_TIMEOUT).redirectUri(URI.create("http://127.0.0.1:9/callback")).build();
    }

    @AfterEach
    void stop() {
        broker.close();
        proxy.close();
    }

    /** A client-credentials request; each scope is its own grant, so each is a token request of its own. */
    static TokenRequest agent(String scope) {
        return TokenRequest.forAgent("corp", scope);
    }

    /** A first token request, answered and kept alive: the broker's client now has one idle pooled connection. */
    void warmUp() {
        assertThat(broker.token(agent("warm-up"))).isInstanceOf(TokenResult.Granted.class);
        assertThat(proxy.connections()).isEqualTo(1);
        assertThat(proxy.received()).isEqualTo(1);
    }

    @Test
    void clientCredentialsWhenPooledConnectionClosedBeforeAnswerThenSentOnceMoreOnNewConnection() {
        warmUp();
        proxy.next(On.REUSED_CONNECTION, Action.CLOSE);

        try (LogCapture logs = LogCapture.start()) {
            assertThat(broker.token(agent("reports"))).isInstanceOf(TokenResult.Granted.class);
            assertThat(logs.projectLines()).filteredOn(l -> l.contains("once more on another connection"))
                    .singleElement().satisfies(l -> assertThat(l).contains("POST 127.0.0.1")
                            .doesNotContain("grant_type", "client_credentials", "stale-secret-value", "Basic"));
        }
        assertThat(proxy.received()).as("warm-up, the closed one, the one more").isEqualTo(3);
        assertThat(proxy.connections()).as("the one more went out on a new connection").isEqualTo(2);
        assertThat(proxy.forwarded()).as("the identity provider saw the request once").isEqualTo(2);
    }

    @Test
    void refreshWhenPooledConnectionClosedBeforeAnswerThenRefreshedOnceAndTheRotatedTokenWorks() {
        // the code redemption is the first POST to the proxy and leaves its connection in the pool
        TokenResult r = broker.token(TokenRequest.forUser("corp", "alice"));
        URI callback = browser.signIn(((TokenResult.ConsentRequired) r).consent().authorizationUri(), "alice");
        assertThat(broker.completeConsent(callback).success()).isTrue();
        assertThat(proxy.connections()).isEqualTo(1);
        String first = ((TokenResult.Granted) broker.token(TokenRequest.forUser("corp", "alice"))).token().value();

        clock.advance(Duration.ofHours(2));
        proxy.next(On.REUSED_CONNECTION, Action.CLOSE);
        TokenResult refreshed = broker.token(TokenRequest.forUser("corp", "alice"));

        assertThat(refreshed).isInstanceOf(TokenResult.Granted.class);
        assertThat(((TokenResult.Granted) refreshed).token().value()).isNotEqualTo(first);
        assertThat(proxy.received()).as("redemption, the closed refresh, the refresh once more").isEqualTo(3);
        assertThat(proxy.forwarded()).as("one redemption and one refresh reached the identity provider")
                .isEqualTo(2);
        // the rotated refresh token was used once, so it refreshes again
        clock.advance(Duration.ofHours(2));
        assertThat(broker.token(TokenRequest.forUser("corp", "alice"))).isInstanceOf(TokenResult.Granted.class);
        assertThat(proxy.forwarded()).isEqualTo(3);
    }

    @Test
    void tokenWhenAnswerOnReusedConnectionIsCutMidBodyThenNotSentAgain() {
        warmUp();
        proxy.next(On.REUSED_CONNECTION, Action.CUT_BODY);

        assertUnavailable(catchThrowable(() -> broker.token(agent("reports"))));
        assertThat(proxy.received()).as("an answer had started: the server processed it").isEqualTo(2);
        assertThat(proxy.forwarded()).isEqualTo(2);
    }

    @Test
    void tokenWhenReusedConnectionSendsPartOfAStatusLineThenNotSentAgain() {
        warmUp();
        proxy.next(On.REUSED_CONNECTION, Action.PARTIAL_STATUS_LINE);

        assertUnavailable(catchThrowable(() -> broker.token(agent("reports"))));
        assertThat(proxy.received()).isEqualTo(2);
    }

    @Test
    void tokenWhenNewConnectionClosedBeforeAnswerThenNotSentAgain() {
        proxy.next(On.NEW_CONNECTION, Action.CLOSE);

        assertUnavailable(catchThrowable(() -> broker.token(agent("reports"))));
        assertThat(proxy.received()).as("a new connection: the server may have processed it").isEqualTo(1);
        assertThat(proxy.connections()).isEqualTo(1);
    }

    @Test
    void tokenWhenReusedConnectionTimesOutThenNotSentAgain() {
        warmUp();
        proxy.next(On.REUSED_CONNECTION, Action.STALL);

        Throwable thrown = catchThrowable(() -> broker.token(agent("reports")));

        assertUnavailable(thrown);
        assertThat(thrown).hasMessageContaining("within " + READ_TIMEOUT.toMillis() + " ms");
        assertThat(proxy.received()).isEqualTo(2);
        assertThat(proxy.connections()).isEqualTo(1);
    }

    @Test
    void tokenWhenClosedBeforeAnswerTwiceInARowThenOneRetryAndATypedRetryableError() {
        warmUp();
        proxy.next(On.REUSED_CONNECTION, Action.CLOSE);
        proxy.next(On.ANY, Action.CLOSE);

        assertUnavailable(catchThrowable(() -> broker.token(agent("reports"))));
        assertThat(proxy.received()).as("warm-up, the closed one, exactly one more").isEqualTo(3);
        assertThat(proxy.faulted()).isEqualTo(2);
        assertThat(proxy.forwarded()).isEqualTo(1);
        // the provider is healthy again: the grant works
        assertThat(broker.token(agent("reports"))).isInstanceOf(TokenResult.Granted.class);
    }

    static void assertUnavailable(Throwable thrown) {
        assertThat(thrown).isInstanceOf(ProviderUnavailableException.class)
                .hasMessageContaining("token endpoint").hasMessageContaining("retry later")
                .hasMessageNotContaining("stale-secret-value");
        assertThat(((AgentAuthException) thrown).retryable()).isTrue();
    }
}
