package dev.agentauth.spring.boot.resource;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.verify.VerifiedToken;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An API this Boot application serves, protected by the auto-configured bearer filter from
 * {@code agent-auth.resource-server.*} alone: 401 with the RFC 9728 metadata pointer without a token, the metadata
 * document itself, 401 for another audience, and the verified token's subject for a right one.
 */
@SpringBootTest(classes = ResourceServerBootTest.NotesApi.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ResourceServerBootTest {

    static final TestIdp IDP = TestIdp.start();
    static final String AUDIENCE = "https://notes.example.com/mcp";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @SpringBootApplication
    static class NotesApi {
        @Bean
        SecurityFilterChain security(HttpSecurity http) throws Exception {
            // The bearer filter guards /mcp; Spring Security stays out of its way here.
            return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).csrf(c -> c.disable()).build();
        }

        @RestController
        static class Ping {
            @GetMapping("/mcp/ping")
            String ping(HttpServletRequest request) {
                return "pong for " + ((VerifiedToken) request.getAttribute(VerifiedToken.ATTRIBUTE)).subject();
            }
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("agent-auth.resource-server.issuer", IDP::issuer);
        registry.add("agent-auth.resource-server.audience", () -> AUDIENCE);
    }

    @AfterAll
    static void stop() {
        IDP.close();
    }

    @LocalServerPort
    int port;

    HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String token(String audience) {
        return IDP.server().issueToken(TestIdp.ISSUER_ID, "notes-agent", new DefaultOAuth2TokenCallback(
                TestIdp.ISSUER_ID, "alice", "JWT", List.of(audience), Map.of(), 3600)).serialize();
    }

    @Test
    void apiWhenCalledWithoutWithWrongAndWithRightTokenThenChallengedRefusedAndServed() throws Exception {
        HttpResponse<String> anonymous = get("/mcp/ping", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("resource_metadata=").contains("/.well-known/oauth-protected-resource/mcp");

        HttpResponse<String> metadata = get("/.well-known/oauth-protected-resource/mcp", null);
        assertThat(metadata.statusCode()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode document = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(metadata.body());
        assertThat(document.path("resource").asText()).isEqualTo(AUDIENCE);
        assertThat(document.path("authorization_servers").get(0).asText()).isEqualTo(IDP.issuer());

        assertThat(get("/mcp/ping", token("https://other.example.com")).statusCode()).isEqualTo(401);
        HttpResponse<String> served = get("/mcp/ping", token(AUDIENCE));
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).isEqualTo("pong for alice");
    }
}
