package dev.agentauth.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.Principal;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every scenario of {@link HttpMcpServerTest} — per-user tokens, consent then resume, 401 refresh and retry, 403
 * step-up for the union of scopes, the step-up limit, the shared catalog — against a server built on the SDK's
 * 2026-07-28 server classes, reached through the revision probe ({@link McpRevision#AUTO}); and the probe's outcome.
 */
class ModernHttpMcpServerTest extends HttpMcpServerTest {

    @Override
    HttpMcpServerBuilder streamable() {
        return AuthenticatedMcpServer.streamableHttp("tools", server.modernEndpoint()).broker(broker)
                .provider("tools-sso", "mcp:tools");
    }

    @Test
    void probeWhenServerAnswersServerDiscoverThenThe2026WireIsUsed() {
        Principal alice = Principal.user("alice");
        dev.agentauth.mcp.testing.McpFixtures.consent(broker, mcp.callTool(alice, "whoami", Map.of()), "alice");
        assertThat(dev.agentauth.mcp.testing.McpFixtures.text(mcp.callTool(alice, "whoami", Map.of())))
                .isEqualTo("alice");
        assertThat(((HttpMcpServer) mcp).revision()).isEqualTo(McpRevision.V2026_07_28);
    }

    @Test
    void probeWhenServerOnlyKnowsInitializeThenTheHandshakeWireIsUsed() {
        try (AuthenticatedMcpServer legacy = AuthenticatedMcpServer.streamableHttp("legacy", server.mcpEndpoint())
                .broker(broker).provider("tools-sso", "mcp:tools").build()) {
            Principal alice = Principal.user("alice");
            dev.agentauth.mcp.testing.McpFixtures.consent(broker, legacy.callTool(alice, "whoami", Map.of()),
                    "alice");
            assertThat(dev.agentauth.mcp.testing.McpFixtures.text(legacy.callTool(alice, "whoami", Map.of())))
                    .isEqualTo("alice");
            assertThat(((HttpMcpServer) legacy).revision()).isEqualTo(McpRevision.V2025_11_25);
            // The authorization extensions this client implements are declared in its capabilities.
            assertThat(dev.agentauth.mcp.testing.HttpMcpTestServer.CLIENT_CAPABILITIES.get().extensions())
                    .containsKeys("io.modelcontextprotocol/auth/dpop", "io.modelcontextprotocol/auth/wif",
                            "io.modelcontextprotocol/enterprise-managed-authorization",
                            "io.modelcontextprotocol/oauth-client-credentials");
        }
    }
}
