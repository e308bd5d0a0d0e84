package dev.agentauth.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.testing.RecordingHttpClient;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.util.List;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One HTTP stack across modules: a verifier given the broker's {@link java.net.http.HttpClient} fetches the issuer's
 * metadata and keys through it, as the broker sends its own requests. Compared with what the identity provider
 * received, nothing went around it.
 */
class VerifierHttpClientTest {

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
    void verifyWhenGivenTheBrokersHttpClientThenMetadataAndKeysAreFetchedThroughIt() {
        RecordingHttpClient http = new RecordingHttpClient();
        String base = URI.create(idp.issuer()).getPath();
        try (TokenBroker broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("own-http")
                        .clientSecret("own-http-secret").defaultScopes("openid").build())
                .httpClient(http).loopbackCallback().build()) {
            ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(
                    TokenRequest.forUser("corp", "alice"))).consent();
            new ScriptedBrowser().authorize(consent.authorizationUri(), "alice");
            AccessToken token = broker.consentCompletion(consent.id()).join();
            idp.drainRequests();
            int before = http.paths().size();

            TokenVerifier verifier = TokenVerifier.builder().issuer(idp.issuer()).audience("default")
                    .httpClient(broker.httpClient()).build();
            assertThat(verifier.verify(token.value()).subject()).isEqualTo("alice");

            List<String> sent = http.paths().subList(before, http.paths().size());
            assertThat(sent).containsExactly(base + "/.well-known/openid-configuration", base + "/jwks");
            List<String> received = idp.drainRequests().stream().map(RecordedRequest::getPath)
                    .map(p -> URI.create(p).getPath()).toList();
            assertThat(received).containsExactlyElementsOf(sent);
        }
    }
}
