package dev.agentauth.mcp.auth;

import static dev.agentauth.mcp.testing.McpFixtures.consentOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.mcp.AuthenticatedMcpServer;
import dev.agentauth.mcp.testing.HttpMcpTestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an MCP server's authorization setup sends toward the user's browser — the authorization server named by its
 * protected resource metadata (RFC 9728 §2), that server's {@code authorization_endpoint} (RFC 8414 §2) — is held to
 * the core's rule ({@link ConsentRequirement#isSafeToShow}): https, or http to a loopback host. Anything else is an
 * {@link McpAuthorizationException} naming the field, and no provider is registered. A tiny JDK HTTP server on
 * 127.0.0.1 serves the authorization server's metadata.
 */
class McpAuthorizationUrlTest {

    static TestIdp idp;
    static HttpMcpTestServer server;
    static HttpServer as;
    static String asBase;
    static volatile String authorizationEndpoint;
    TokenBroker broker;

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("javascript:alert(1)", "its scheme is 'javascript:'"),
                Arguments.of("JavaScript:alert(1)", "its scheme is 'javascript:'"),
                Arguments.of("data:text/html,<script>alert(1)</script>", "it is not a URL"),
                Arguments.of("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "its scheme is 'data:'"),
                Arguments.of("file:///etc/passwd", "its scheme is 'file:'"),
                Arguments.of("vbscript:msgbox(1)", "its scheme is 'vbscript:'"),
                Arguments.of("http://evil.example/authorize", "it is plain http to evil.example"),
                Arguments.of("/authorize", "it is relative"),
                Arguments.of("authorize", "it is relative"),
                Arguments.of(" https://as.example/authorize", "it is not a URL"),
                Arguments.of("https://as.example@evil.example/authorize", "it has user info before its host"));
    }

    static Stream<String> accepted() {
        return Stream.of("https://as.example/authorize", "HTTPS://as.example/authorize",
                "http://127.0.0.1:8080/authorize", "http://[::1]:8080/authorize", "http://localhost:8080/authorize");
    }

    @BeforeAll
    static void start() throws IOException {
        idp = TestIdp.start();
        server = new HttpMcpTestServer(idp.issuer());
        as = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        asBase = "http://127.0.0.1:" + as.getAddress().getPort();
        as.createContext("/.well-known/oauth-authorization-server", ex -> {
            byte[] body = ("{\"issuer\":\"" + asBase + "\",\"authorization_endpoint\":\""
                    + authorizationEndpoint.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"token_endpoint\":\""
                    + asBase + "/token\",\"response_types_supported\":[\"code\"],"
                    + "\"code_challenge_methods_supported\":[\"S256\"]}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        as.start();
    }

    @AfterAll
    static void stop() {
        as.stop(0);
        server.close();
        idp.close();
    }

    @BeforeEach
    void newBroker() {
        broker = TokenBroker.builder().loopbackCallback().eagerDiscovery(false).build();
        server.metadataResourceOverride = null;
        server.metadataAuthorizationServerOverride = asBase;
    }

    @AfterEach
    void close() {
        broker.close();
        server.metadataAuthorizationServerOverride = null;
    }

    AuthenticatedMcpServer mcp() {
        return AuthenticatedMcpServer.streamableHttp("urls", server.mcpEndpoint()).broker(broker)
                .authorization(McpAuthorization.builder(broker).preRegisteredClient(
                        ClientRegistration.preRegistered("mcp-client", Secret.of("mcp-client-secret"))).build())
                .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void discoverWhenAuthorizationEndpointIsUnsafeThenRefusedByNameAndNoProviderRegistered(String uri, String kind) {
        authorizationEndpoint = uri;
        try (AuthenticatedMcpServer mcp = mcp()) {
            assertThatThrownBy(() -> mcp.listTools(Principal.user("alice")))
                    .isInstanceOf(McpAuthorizationException.class)
                    .hasMessageContaining("the authorization_endpoint in the authorization server metadata at")
                    .hasMessageContaining("is refused (" + kind)
                    .hasMessageContaining("only an https URL, or http to 127.0.0.1, [::1] or localhost")
                    .hasMessageNotContaining("alert").hasMessageNotContaining("passwd");
        }
        assertThat(broker.providers()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void discoverWhenAuthorizationEndpointIsHttpsOrLoopbackThenItIsTheConsentUrl(String uri) {
        authorizationEndpoint = uri;
        try (AuthenticatedMcpServer mcp = mcp()) {
            ConsentRequirement c = consentOf(mcp.listTools(Principal.user("alice")));
            assertThat(c.authorizationUri().toString()).startsWith(uri);
            assertThat(ConsentRequirement.isSafeToShow(c.authorizationUri())).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void discoverWhenResourceMetadataNamesAnUnsafeAuthorizationServerThenRefusedByName(String uri, String kind) {
        authorizationEndpoint = "https://as.example/authorize";
        server.metadataAuthorizationServerOverride = uri;
        try (AuthenticatedMcpServer mcp = mcp()) {
            assertThatThrownBy(() -> mcp.listTools(Principal.user("alice")))
                    .isInstanceOf(McpAuthorizationException.class)
                    .hasMessageContaining("the authorization server (authorization_servers) in the protected"
                            + " resource metadata of " + server.mcpEndpoint())
                    .hasMessageContaining("is refused (" + kind)
                    .hasMessageNotContaining("alert").hasMessageNotContaining("passwd");
        }
        assertThat(broker.providers()).isEmpty();
    }
}
