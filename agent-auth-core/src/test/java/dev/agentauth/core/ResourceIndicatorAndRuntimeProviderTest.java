package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RFC 8707 {@code resource} on every request of a provider, and providers registered at run time. */
class ResourceIndicatorAndRuntimeProviderTest {

    static final URI RESOURCE = URI.create("https://mcp.example.com/mcp");
    static TestIdp idp;

    @BeforeAll
    static void startIdp() {
        idp = TestIdp.start(true);
    }

    @AfterAll
    static void stopIdp() {
        idp.close();
    }

    Provider mcpProvider(String id) {
        return Provider.oauth2(id).issuer(idp.issuer()).clientId("mcp-client").clientSecret("mcp-secret-value")
                .defaultScopes("openid").resource(RESOURCE).build();
    }

    @Test
    void consentAndRefreshWhenProviderHasResourceThenResourceOnAuthorizationCodeAndRefreshRequests() {
        try (TokenBroker broker = TokenBroker.builder().loopbackCallback().eagerDiscovery(false).build()) {
            broker.registerProvider(mcpProvider("mcp"));
            TokenRequest request = TokenRequest.forUser("mcp", "alice");
            ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(request)).consent();
            assertThat(consent.authorizationUri().getRawQuery())
                    .contains("resource=" + URLEncoder.encode(RESOURCE.toString(), StandardCharsets.UTF_8));
            idp.drainRequests();

            new ScriptedBrowser().authorize(consent.authorizationUri(), "alice");
            AccessToken token = broker.consentCompletion(consent.id()).join();
            assertThat(tokenRequestBodies()).singleElement().asString()
                    .contains("grant_type=authorization_code", "resource=" + enc(RESOURCE));

            broker.reportRejected(request, token);
            assertThat(tokenRequestBodies()).singleElement().asString()
                    .contains("grant_type=refresh_token", "resource=" + enc(RESOURCE));
        }
    }

    @Test
    void registerProviderWhenCalledConcurrentlyWithEqualProvidersThenOneRegistration() throws Exception {
        try (TokenBroker broker = TokenBroker.builder().loopbackCallback().eagerDiscovery(false).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                java.util.Set<Provider> seen = ConcurrentHashMap.newKeySet();
                List<Future<Provider>> futures = new java.util.ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    futures.add(pool.submit(() -> broker.registerProvider(mcpProvider("shared"))));
                }
                for (Future<Provider> f : futures) {
                    seen.add(f.get());
                }
                assertThat(seen).hasSize(1);
                assertThat(broker.providers()).extracting(Provider::id).containsExactly(ProviderId.of("shared"));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void registerProviderWhenIdTakenByDifferentProviderThenConfigurationException() {
        try (TokenBroker broker = TokenBroker.builder().loopbackCallback().eagerDiscovery(false).build()) {
            broker.registerProvider(mcpProvider("taken"));
            Provider other = mcpProvider("taken").toBuilder().resource(URI.create("https://other.example.com")).build();
            assertThatThrownBy(() -> broker.registerProvider(other)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("already registered");
        }
    }

    @Test
    void resourceWhenRelativeOrWithFragmentThenRefused() {
        assertThatThrownBy(() -> Provider.oauth2("x").resource(URI.create("mcp.example.com")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RFC 8707");
        assertThatThrownBy(() -> Provider.oauth2("x").resource(URI.create("https://mcp.example.com#f")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static String enc(URI uri) {
        return URLEncoder.encode(uri.toString(), StandardCharsets.UTF_8);
    }

    static List<String> tokenRequestBodies() {
        return idp.drainTokenRequestList().stream().map(RecordedRequest::getBody).map(b -> b.readUtf8()).toList();
    }
}
