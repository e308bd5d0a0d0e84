package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.RecordingHttpClient;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One HTTP stack: a broker given the application's own {@link java.net.http.HttpClient} sends every request of a full
 * flow through it — discovery, client credentials, code redemption, refresh, revocation. Compared with what the
 * identity provider received, nothing went around it. (A verifier given the broker's client: {@code
 * VerifierHttpClientTest} in agent-auth-verify.)
 */
class BrokerHttpClientTest {

    static TestIdp idp;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
    }

    @AfterAll
    static void stop() {
        idp.close();
    }

    @Test
    void fullFlowWhenBrokerGivenItsOwnHttpClientThenEveryRequestGoesThroughIt() {
        RecordingHttpClient http = new RecordingHttpClient();
        MutableClock clock = MutableClock.now();
        ScriptedBrowser browser = new ScriptedBrowser();
        String base = URI.create(idp.issuer()).getPath();
        idp.drainRequests();
        try (TokenBroker broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("own-http")
                        .clientSecret("own-http-secret").defaultScopes("openid").build())
                .httpClient(http).clock(clock).loopbackCallback().build()) {
            broker.tokenOrThrow(TokenRequest.forAgent("corp", "reports"));
            TokenRequest request = TokenRequest.forUser("corp", "alice");
            ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(request)).consent();
            browser.authorize(consent.authorizationUri(), "alice");
            broker.consentCompletion(consent.id()).join();
            clock.advance(Duration.ofHours(2));
            broker.tokenOrThrow(request);
            broker.disconnect(ProviderId.of("corp"), "alice");
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        assertThat(http.paths()).containsExactly(
                base + "/.well-known/openid-configuration",
                base + "/token",      // client credentials
                base + "/token",      // authorization code
                base + "/token",      // refresh
                base + "/revoke");
        // What the identity provider received, but for the browser's own visits to the authorization endpoint.
        List<String> received = idp.drainRequests().stream().map(RecordedRequest::getPath)
                .map(p -> URI.create(p).getPath()).filter(p -> !p.endsWith("/authorize")).toList();
        assertThat(received).containsExactlyElementsOf(http.paths());
    }
}
