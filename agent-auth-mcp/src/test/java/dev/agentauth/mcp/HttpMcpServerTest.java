package dev.agentauth.mcp;

import static dev.agentauth.mcp.testing.McpFixtures.consent;
import static dev.agentauth.mcp.testing.McpFixtures.consentOf;
import static dev.agentauth.mcp.testing.McpFixtures.consentWithoutAdmin;
import static dev.agentauth.mcp.testing.McpFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.mcp.testing.HttpMcpTestServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Streamable HTTP and SSE MCP servers with per-user tokens from a configured provider. */
class HttpMcpServerTest {

    static TestIdp idp;
    static HttpMcpTestServer server;
    TokenBroker broker;
    AuthenticatedMcpServer mcp;

    @BeforeAll
    static void start() {
        idp = TestIdp.start(true);
        server = new HttpMcpTestServer(idp.issuer());
    }

    @AfterAll
    static void stop() {
        server.close();
        idp.close();
    }

    @BeforeEach
    void newBroker() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("tools-sso").issuer(idp.issuer()).clientId("mcp-agent")
                        .clientSecret("mcp-agent-secret").defaultScopes("openid").build())
                .loopbackCallback().build();
        mcp = streamable().build();
        server.revoked.clear();
        server.refusedSubjects.clear();
        server.authorizations.clear();
    }

    HttpMcpServerBuilder streamable() {
        return AuthenticatedMcpServer.streamableHttp("tools", server.mcpEndpoint()).broker(broker)
                .provider("tools-sso", "mcp:tools");
    }

    @AfterEach
    void close() {
        mcp.close();
        broker.close();
    }

    @Test
    void callToolWhenUserHasNoTokenThenConsentAndAfterConsentTheToolSeesThatUser() {
        Principal alice = Principal.user("alice");
        McpResult<McpSchema.CallToolResult> first = mcp.callTool(alice, "whoami", Map.of());
        ConsentRequirement c = consentOf(first);
        assertThat(c.scopes()).isEqualTo(Scopes.of("openid", "mcp:tools"));
        assertThat(server.authorizations).isEmpty(); // nothing was sent before the user authorized

        consent(broker, first, "alice");

        assertThat(text(mcp.callTool(alice, "whoami", Map.of()))).isEqualTo("alice");
        assertThat(server.authorizations).allMatch(h -> h.startsWith("Bearer ey"));
    }

    @Test
    void callToolWhenTwoUsersCallConcurrentlyThenEachGetsTheirOwnToken() throws Exception {
        Principal alice = Principal.user("alice");
        Principal bob = Principal.user("bob");
        consent(broker, mcp.callTool(alice, "whoami", Map.of()), "alice");
        consent(broker, mcp.callTool(bob, "whoami", Map.of()), "bob");

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String[]>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Principal p = i % 2 == 0 ? alice : bob;
                calls.add(pool.submit(() -> new String[] {p.user(), text(mcp.callTool(p, "whoami", Map.of()))}));
            }
            for (Future<String[]> f : calls) {
                String[] r = f.get(120, TimeUnit.SECONDS);
                assertThat(r[1]).isEqualTo(r[0]);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void callToolWhenServerAnswers401ThenRefreshOnceAndRetry() {
        Principal carol = Principal.user("carol");
        consent(broker, mcp.callTool(carol, "whoami", Map.of()), "carol");
        AccessToken before = broker.tokenOrThrow(request(carol));
        server.revoked.add(before.value());
        idp.drainRequests();

        assertThat(text(mcp.callTool(carol, "whoami", Map.of()))).isEqualTo("carol");

        assertThat(idp.drainTokenRequestList()).hasSize(1); // exactly one refresh
        assertThat(broker.tokenOrThrow(request(carol)).value()).isNotEqualTo(before.value());
    }

    @Test
    void callToolWhenRefreshedTokenIsRefusedTooThenConsent() {
        Principal dave = Principal.user("dave");
        consent(broker, mcp.callTool(dave, "whoami", Map.of()), "dave");
        server.refusedSubjects.add("dave");
        int before = server.unauthorized.get();

        McpResult<McpSchema.CallToolResult> r = mcp.callTool(dave, "whoami", Map.of());

        assertThat(consentOf(r).principal()).isEqualTo(dave);
        assertThat(server.unauthorized.get() - before).isEqualTo(2); // the first try and one retry, no more
    }

    @Test
    void callToolWhen403InsufficientScopeThenStepUpConsentForTheUnionOfScopes() {
        Principal erin = Principal.user("erin");
        consent(broker, mcp.callTool(erin, "whoami", Map.of()), "erin");

        McpResult<McpSchema.CallToolResult> r = mcp.callTool(erin, "admin-echo", Map.of("text", "hi"));
        ConsentRequirement stepUp = consentOf(r);
        assertThat(stepUp.scopes().values()).contains("openid", "mcp:tools", HttpMcpTestServer.ADMIN_SCOPE);

        consent(broker, r, "erin", "{\"scope\":\"openid mcp:tools mcp:admin\"}");
        assertThat(text(mcp.callTool(erin, "admin-echo", Map.of("text", "hi")))).isEqualTo("erin: hi");
        assertThat(text(mcp.callTool(erin, "whoami", Map.of()))).isEqualTo("erin"); // earlier scopes kept
    }

    @Test
    void callToolWhen403PersistsThenAtMostThreeAuthorizationsThenStepUpExhaustedException() {
        Principal frank = Principal.user("frank");
        // The identity provider never grants mcp:admin to this client: every step-up ends in another 403.
        try (AuthenticatedMcpServer narrow = AuthenticatedMcpServer.streamableHttp("narrow", server.mcpEndpoint())
                .broker(broker).provider("tools-sso", "mcp:tools").build()) {
            int authorizations = 0;
            McpResult<McpSchema.CallToolResult> r = narrow.callTool(frank, "admin-echo", Map.of());
            try {
                while (r instanceof McpResult.ConsentRequired<McpSchema.CallToolResult> c) {
                    authorizations++;
                    server.refusedSubjects.remove("frank");
                    consentWithoutAdmin(broker, c.consent(), "frank");
                    r = narrow.callTool(frank, "admin-echo", Map.of());
                }
            } catch (StepUpExhaustedException expected) {
                assertThat(authorizations).isEqualTo(3);
                return;
            }
            throw new AssertionError("expected StepUpExhaustedException, got " + r);
        }
    }

    @Test
    void listToolsWhenCatalogIsFreshThenServedToUsersWithoutTokens() {
        Principal alice = Principal.user("alice");
        consent(broker, mcp.listTools(alice), "alice");
        List<McpSchema.Tool> tools = mcp.listTools(alice).orThrow();
        assertThat(tools).extracting(McpSchema.Tool::name).contains("whoami", "admin-echo");

        // A user who never connected sees the catalog and is not asked to consent just to list tools.
        assertThat(mcp.listTools(Principal.user("newcomer")).orThrow()).isEqualTo(tools);
        assertThat(mcp.cachedTools()).contains(tools);
    }

    @Test
    void cachedToolsWhenNobodyHasATokenThenEmptyAndNoConsentStarted() {
        assertThat(mcp.cachedTools()).isEmpty();
        assertThat(broker.grants("alice")).isEmpty();
    }

    @Test
    void sseTransportWhenUserConsentedThenBearerOnEveryRequest() {
        try (AuthenticatedMcpServer sse = AuthenticatedMcpServer.sse("tools-sse", server.sseEndpoint())
                .broker(broker).provider("tools-sso", "mcp:tools").build()) {
            Principal gina = Principal.user("gina");
            McpResult<McpSchema.CallToolResult> first = sse.callTool(gina, "whoami", Map.of());
            consent(broker, first, "gina");
            server.authorizations.clear();
            assertThat(text(sse.callTool(gina, "whoami", Map.of()))).isEqualTo("gina");
            String token = broker.tokenOrThrow(request(gina)).value();
            assertThat(server.authorizations).isNotEmpty().allMatch(h -> h.equals("Bearer " + token));
        }
    }

    @Test
    void sseTransportWhenServerAnswers401ThenRefreshOnceAndRetryAndWhenRefusedAgainConsent() {
        try (AuthenticatedMcpServer sse = AuthenticatedMcpServer.sse("tools-sse", server.sseEndpoint())
                .broker(broker).provider("tools-sso", "mcp:tools").build()) {
            Principal hank = Principal.user("hank");
            consent(broker, sse.callTool(hank, "whoami", Map.of()), "hank");
            AccessToken before = broker.tokenOrThrow(request(hank));
            server.revoked.add(before.value());
            idp.drainRequests();

            assertThat(text(sse.callTool(hank, "whoami", Map.of()))).isEqualTo("hank");
            assertThat(idp.drainTokenRequestList()).hasSize(1); // exactly one refresh
            assertThat(broker.tokenOrThrow(request(hank)).value()).isNotEqualTo(before.value());

            server.refusedSubjects.add("hank");
            assertThat(consentOf(sse.callTool(hank, "whoami", Map.of())).principal()).isEqualTo(hank);
        }
    }

    @Test
    void sameOriginWhenHostPortOrSchemeDiffersThenFalse() {
        URI mcpUri = URI.create("http://127.0.0.1:8080/mcp");
        assertThat(HttpMcpServer.sameOrigin(URI.create("http://127.0.0.1:8080/message?x=1"), mcpUri)).isTrue();
        assertThat(HttpMcpServer.sameOrigin(URI.create("http://evil.example:8080/mcp"), mcpUri)).isFalse();
        assertThat(HttpMcpServer.sameOrigin(URI.create("http://127.0.0.1:8081/mcp"), mcpUri)).isFalse();
        assertThat(HttpMcpServer.sameOrigin(URI.create("https://127.0.0.1:8080/mcp"), mcpUri)).isFalse();
    }

    @Test
    void buildWhenNeitherProviderNorAuthorizationThenRefused() {
        assertThatThrownBy(() -> AuthenticatedMcpServer.streamableHttp("x", server.mcpEndpoint()).broker(broker)
                .build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one");
    }

    static TokenRequest request(Principal p) {
        return TokenRequest.builder().provider("tools-sso").principal(p).scopes("mcp:tools").build();
    }
}
