package dev.agentauth.mcp.auth;

import static dev.agentauth.mcp.testing.McpFixtures.consent;
import static dev.agentauth.mcp.testing.McpFixtures.consentOf;
import static dev.agentauth.mcp.testing.McpFixtures.consentWithoutAdmin;
import static dev.agentauth.mcp.testing.McpFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.mcp.AuthenticatedMcpServer;
import dev.agentauth.mcp.McpResult;
import dev.agentauth.mcp.testing.HttpMcpTestServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MCP authorization for a server with no configured provider: discovery from its 401 through RFC 9728 and the
 * identity provider's metadata, a provider registered at run time, consent, and the token on the MCP calls.
 */
class McpAuthorizationTest {

    static TestIdp idp;
    static HttpMcpTestServer server;
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        server = new HttpMcpTestServer(idp.issuer());
    }

    @AfterAll
    static void stop() {
        server.close();
        idp.close();
    }

    @BeforeEach
    void newBroker() {
        broker = TokenBroker.builder().loopbackCallback().eagerDiscovery(false).build();
        server.metadataResourceOverride = null;
        server.metadataAuthorizationServerOverride = null;
        server.moveTo(idp.issuer());
    }

    @AfterEach
    void close() {
        broker.close();
    }

    McpAuthorization authorization() {
        // mock-oauth2-server offers no dynamic registration: a pre-registered client, as an operator would configure.
        return McpAuthorization.builder(broker)
                .preRegisteredClient(ClientRegistration.preRegistered("mcp-client", Secret.of("mcp-client-secret")))
                .build();
    }

    @Test
    void listToolsWhenServerHasNoConfiguredProviderThenDiscoveredConsentWithResourceAndTokenOnCalls() {
        try (AuthenticatedMcpServer mcp = AuthenticatedMcpServer.streamableHttp("discovered", server.mcpEndpoint())
                .broker(broker).authorization(authorization()).displayName("Discovered tools").build()) {
            Principal alice = Principal.user("alice");
            McpResult<List<McpSchema.Tool>> first = mcp.listTools(alice);

            ConsentRequirement c = consentOf(first);
            assertThat(c.providerDisplayName()).isEqualTo("Discovered tools");
            assertThat(c.scopes()).isEqualTo(Scopes.of("openid", "mcp:tools")); // PRM scopes_supported
            String query = c.authorizationUri().getRawQuery();
            assertThat(query).contains("resource=" + URLEncoder.encode(server.mcpEndpoint().toString(),
                    StandardCharsets.UTF_8), "code_challenge_method=S256", "client_id=mcp-client");
            assertThat(c.authorizationUri().toString()).startsWith(idp.authorizationEndpoint());
            Provider registered = broker.provider(c.provider());
            assertThat(registered.resource()).contains(server.mcpEndpoint());
            assertThat(registered.issuer()).contains(URI.create(idp.issuer()));

            consent(broker, first, "alice");
            assertThat(mcp.listTools(alice).orThrow()).extracting(McpSchema.Tool::name).contains("whoami");
            assertThat(text(mcp.callTool(alice, "whoami", Map.of()))).isEqualTo("alice");
        }
    }

    /**
     * One HTTP stack: with a broker given the application's own client, the resource metadata, the authorization
     * server metadata, the code redemption and the SSE-free Streamable HTTP session's token requests all go through
     * it (the MCP session itself is the SDK's own transport).
     */
    @Test
    void discoverWhenBrokerHasItsOwnHttpClientThenEveryMetadataAndTokenRequestGoesThroughIt() {
        dev.agentauth.core.testing.RecordingHttpClient http = new dev.agentauth.core.testing.RecordingHttpClient();
        broker.close();
        broker = TokenBroker.builder().httpClient(http).loopbackCallback().eagerDiscovery(false).build();
        try (AuthenticatedMcpServer mcp = AuthenticatedMcpServer.streamableHttp("own-http", server.mcpEndpoint())
                .broker(broker).authorization(authorization()).build()) {
            Principal alice = Principal.user("alice");
            McpResult<List<McpSchema.Tool>> first = mcp.listTools(alice);
            consent(broker, first, "alice");
            assertThat(text(mcp.callTool(alice, "whoami", Map.of()))).isEqualTo("alice");
        }
        String issuerPath = URI.create(idp.issuer()).getPath();
        assertThat(http.paths()).contains("/.well-known/oauth-protected-resource" + server.mcpEndpoint().getPath())
                .anyMatch(p -> p.contains("/.well-known/") && p.contains(issuerPath))
                .contains(issuerPath + "/token");
        assertThat(http.requests()).allMatch(r -> r.contains("127.0.0.1") || r.contains("localhost"));
    }

    /**
     * Regression (issue 21): a move to another authorization server (MCP 2026-07-28, SEP-2352) is a step of its own,
     * not a reauthorization: the consent and the step-up given to the server the resource left do not use up the
     * new server's, so there the user consents and is still offered the step-up the tool needs.
     */
    @Test
    void callToolWhenAuthorizationServerMovedThenConsentsCountedAnewAndTheStepUpStillOffered() {
        String moved = idp.server().issuerUrl("moved").toString();
        try (AuthenticatedMcpServer mcp = AuthenticatedMcpServer.streamableHttp("moving", server.mcpEndpoint())
                .broker(broker).authorization(authorization())
                .reauthorization(dev.agentauth.core.Reauthorization.of(1, 2)).build()) {
            Principal alice = Principal.user("alice");
            Map<String, Object> hi = Map.of("text", "hi");
            // The first server: the first consent, then a step-up she unticks — both of its two authorizations.
            consent(broker, mcp.callTool(alice, "admin-echo", hi), "alice");
            ConsentRequirement stepUp = consentOf(mcp.callTool(alice, "admin-echo", hi));
            assertThat(stepUp.scopes().values()).contains(HttpMcpTestServer.ADMIN_SCOPE);
            consentWithoutAdmin(broker, stepUp, "alice");

            server.moveTo(moved);
            ConsentRequirement there = consentOf(mcp.callTool(alice, "admin-echo", hi));
            assertThat(there.authorizationUri().toString()).startsWith(moved);
            assertThat(there.provider()).isNotEqualTo(stepUp.provider());
            consentWithoutAdmin(broker, there, "alice");

            // The new server's step-up: its second authorization, not the first server's third.
            McpResult<McpSchema.CallToolResult> again = mcp.callTool(alice, "admin-echo", hi);
            assertThat(consentOf(again).provider()).isEqualTo(there.provider());
            consent(broker, again, "alice", "{\"scope\":\"openid mcp:tools mcp:admin\"}");
            assertThat(text(mcp.callTool(alice, "admin-echo", hi))).isEqualTo("alice: hi");
        }
    }

    @Test
    void discoverWhenMetadataIsForAnotherResourceThenRefusedAndNothingSent() {
        server.metadataResourceOverride = "https://evil.example.com/mcp";
        try (AuthenticatedMcpServer mcp = AuthenticatedMcpServer.streamableHttp("mismatch", server.mcpEndpoint())
                .broker(broker).authorization(authorization()).build()) {
            assertThatThrownBy(() -> mcp.listTools(Principal.user("alice")))
                    .isInstanceOf(McpAuthorizationException.class).hasMessageContaining("RFC 9728");
            assertThat(broker.providers()).isEmpty();
        }
    }

    @Test
    void discoverWhenAuthorizationServerMetadataNamesAnotherIssuerThenRefused() throws Exception {
        // Mix-up defence (RFC 8414 §3.3): metadata fetched for one issuer that names another is not used.
        assertRefused(issuer -> "{\"issuer\":\"https://evil.example.com\",\"authorization_endpoint\":\""
                + issuer + "/authorize\",\"token_endpoint\":\"" + issuer + "/token\",\"response_types_supported\":"
                + "[\"code\"],\"code_challenge_methods_supported\":[\"S256\"]}", "issuer");
    }

    @Test
    void discoverWhenNoPkceS256ThenRefused() throws Exception {
        assertRefused(issuer -> "{\"issuer\":\"" + issuer + "\",\"authorization_endpoint\":\"" + issuer
                + "/authorize\",\"token_endpoint\":\"" + issuer + "/token\",\"response_types_supported\":"
                + "[\"code\"],\"code_challenge_methods_supported\":[\"plain\"]}", "S256");
    }

    /** Discovery against a tiny authorization server serving {@code metadata} must fail mentioning {@code why}. */
    /** Regression (Keycloak's "Trusted Hosts" policy): a refused dynamic registration keeps the server's reason. */
    @Test
    void discoverWhenDynamicRegistrationRefusedThenTheServersDescriptionReachesTheCaller() throws Exception {
        com.sun.net.httpserver.HttpServer as = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        String issuer = "http://127.0.0.1:" + as.getAddress().getPort();
        as.createContext("/.well-known/oauth-authorization-server", ex -> {
            byte[] body = ("{\"issuer\":\"" + issuer + "\",\"authorization_endpoint\":\"" + issuer + "/auth\","
                    + "\"token_endpoint\":\"" + issuer + "/token\",\"registration_endpoint\":\"" + issuer
                    + "/register\",\"code_challenge_methods_supported\":[\"S256\"]}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        as.createContext("/register", ex -> {
            byte[] body = ("{\"error\":\"insufficient_scope\",\"error_description\":\"Policy 'Trusted Hosts'"
                    + " rejected request to client-registration service. Details: Host not trusted.\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(403, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        as.start();
        server.metadataAuthorizationServerOverride = issuer;
        try (AuthenticatedMcpServer mcp = AuthenticatedMcpServer.streamableHttp("dcr", server.mcpEndpoint())
                .broker(broker).authorization(McpAuthorization.builder(broker).build()).build()) {
            assertThatThrownBy(() -> mcp.listTools(Principal.user("alice")))
                    .isInstanceOf(McpAuthorizationException.class)
                    .hasMessageContaining("refused the dynamic client registration (HTTP 403, insufficient_scope)")
                    .hasMessageContaining("Policy 'Trusted Hosts' rejected request")
                    .hasMessageContaining("Host not trusted");
        } finally {
            as.stop(0);
        }
    }

    void assertRefused(java.util.function.Function<String, String> metadata, String why) throws Exception {
        com.sun.net.httpserver.HttpServer as = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        String issuer = "http://127.0.0.1:" + as.getAddress().getPort();
        as.createContext("/.well-known/oauth-authorization-server", ex -> {
            byte[] body = metadata.apply(issuer).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        as.start();
        server.metadataAuthorizationServerOverride = issuer;
        try (AuthenticatedMcpServer mcp = AuthenticatedMcpServer.streamableHttp("refused", server.mcpEndpoint())
                .broker(broker).authorization(authorization()).build()) {
            assertThatThrownBy(() -> mcp.listTools(Principal.user("alice")))
                    .isInstanceOf(McpAuthorizationException.class).hasMessageContaining(why);
            assertThat(broker.providers()).isEmpty();
        } finally {
            as.stop(0);
        }
    }

    @Test
    void coversWhenResourceIsTheEndpointOrAParentPathOnTheSameOriginThenTrue() {
        URI endpoint = URI.create("http://127.0.0.1:9/tenant/mcp");
        assertThat(McpAuthorization.covers(URI.create("http://127.0.0.1:9/tenant/mcp"), endpoint)).isTrue();
        assertThat(McpAuthorization.covers(URI.create("http://127.0.0.1:9"), endpoint)).isTrue();
        assertThat(McpAuthorization.covers(URI.create("http://127.0.0.1:9/tenant"), endpoint)).isTrue();
        assertThat(McpAuthorization.covers(URI.create("http://127.0.0.1:9/ten"), endpoint)).isFalse();
        assertThat(McpAuthorization.covers(URI.create("http://127.0.0.1:10/tenant/mcp"), endpoint)).isFalse();
        assertThat(McpAuthorization.covers(URI.create("https://127.0.0.1:9/tenant/mcp"), endpoint)).isFalse();
    }

    @Test
    void canonicalWhenUpperCaseHostOrTrailingSlashThenNormalized() {
        assertThat(McpAuthorization.canonical(URI.create("HTTPS://MCP.Example.com/mcp/")))
                .isEqualTo(URI.create("https://mcp.example.com/mcp"));
        assertThat(McpAuthorization.canonical(URI.create("https://mcp.example.com:443")))
                .isEqualTo(URI.create("https://mcp.example.com"));
    }

    @Test
    void parseWhenBearerChallengeAmongOthersThenParamsOfBearer() {
        WwwAuthenticate w = WwwAuthenticate.parse(List.of("Basic realm=\"x\", Bearer error=\"insufficient_scope\","
                + " scope=\"files:read files:write\", resource_metadata=\"https://mcp.example.com/.well-known/"
                + "oauth-protected-resource\", error_description=\"needs \\\"write\\\"\""));
        assertThat(w.insufficientScope()).isTrue();
        assertThat(w.scope()).isEqualTo(Scopes.of("files:read", "files:write"));
        assertThat(w.resourceMetadataUri()).contains(
                URI.create("https://mcp.example.com/.well-known/oauth-protected-resource"));
        assertThat(w.errorDescription()).isEqualTo("needs \"write\"");
        assertThat(WwwAuthenticate.parse(List.of("Basic realm=\"x\""))).isEqualTo(WwwAuthenticate.NONE);
        assertThat(WwwAuthenticate.parse(List.of("bearer scope=a")).scope()).isEqualTo(Scopes.of("a"));
    }

    @Test
    void toStringWhenRegistrationHasSecretThenRedacted() {
        ClientRegistration r = ClientRegistration.preRegistered("c", Secret.of("super-secret-value"));
        assertThat(r.toString()).doesNotContain("super-secret-value").contains("redacted");
    }
}
