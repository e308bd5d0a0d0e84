package dev.agentauth.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.Principal;
import dev.agentauth.mcp.testing.McpFixtures;
import dev.agentauth.mcp.testing.StdioMcpTestServer2026;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every scenario of {@link StdioMcpServerTest} — one process per user, the token only in the environment, the
 * allow-listed environment, restarts on rotation, idle reaping — against a stdio server on the SDK's 2026-07-28
 * server classes, reached through the {@code server/discover} probe.
 */
class ModernStdioMcpServerTest extends StdioMcpServerTest {

    @Override
    Class<?> serverMain() {
        return StdioMcpTestServer2026.class;
    }

    @Test
    void probeWhenTheServerAnswersServerDiscoverThenThe2026WireIsUsed() {
        Principal alice = Principal.user("alice");
        McpFixtures.consent(broker, mcp.callTool(alice, "whoami", Map.of()), "alice");
        assertThat(McpFixtures.text(mcp.callTool(alice, "whoami", Map.of()))).isEqualTo("alice");
        assertThat(mcp.revision()).isEqualTo(McpRevision.V2026_07_28);
    }
}
