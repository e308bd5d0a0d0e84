package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.config.AgentAuthConfig;
import dev.agentauth.core.testing.TestIdp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class YamlConfiguredBrokerTest {

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
    void brokerWhenBuiltFromYamlThenM2mAndConsentWork(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agent-auth.yaml");
        Files.writeString(file, """
                broker:
                  clock-skew: 30s
                  consent-ttl: 5m
                  loopback-callback: { port: 0, path: /oauth/callback }
                providers:
                  corp:
                    type: oidc
                    issuer: ${IDP_ISSUER}
                    display-name: Corp SSO
                    client-id: agent
                    client-secret: ${CORP_SECRET}
                    client-auth: client_secret_post
                    scopes: [openid]
                """);
        Map<String, String> env = Map.of("IDP_ISSUER", idp.issuer(), "CORP_SECRET", "from-the-environment");

        try (TokenBroker broker = TokenBroker.builder()
                .configuration(AgentAuthConfig.load(file, env::get)).build()) {
            assertThat(broker.tokenOrThrow(TokenRequest.forAgent("corp")).value()).isNotBlank();
            assertThat(idp.drainTokenRequestList()).last()
                    .satisfies(r -> assertThat(r.getBody().readUtf8()).contains("client_secret=from-the-environment"));
            TokenResult consent = broker.token(TokenRequest.forUser("corp", "alice"));
            assertThat(((TokenResult.ConsentRequired) consent).consent().providerDisplayName()).isEqualTo("Corp SSO");
            assertThat(broker.redirectUri().orElseThrow().getPath()).isEqualTo("/oauth/callback");
        }
    }

    @Test
    void brokerWhenYamlIssuerUnreachableThenClearRetryableError() {
        AgentAuthConfig config = AgentAuthConfig.parse("""
                providers:
                  corp:
                    type: oidc
                    issuer: http://127.0.0.1:9/unreachable
                    client-id: agent
                    client-secret: s
                """, Map.<String, String>of()::get);

        assertThatThrownBy(() -> TokenBroker.builder().configuration(config).build())
                .isInstanceOf(ProviderUnavailableException.class)
                .hasMessageContaining("provider 'corp'")
                .hasMessageContaining("http://127.0.0.1:9/unreachable")
                .hasMessageContaining("check the issuer URL");
    }
}
