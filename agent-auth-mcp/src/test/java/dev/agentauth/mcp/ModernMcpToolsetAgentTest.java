package dev.agentauth.mcp;

/**
 * Every scenario of {@link McpToolsetAgentTest} — the consent interrupt of an MCP tool, resume running the pending
 * call once with the user's new token, the blocking and tell-the-model modes, a stdio tool in the user's own process
 * — against MCP servers on the SDK's 2026-07-28 server classes (HTTP and stdio).
 */
class ModernMcpToolsetAgentTest extends McpToolsetAgentTest {

    @Override
    java.net.URI httpEndpoint() {
        return server.modernEndpoint();
    }

    @Override
    Class<?> stdioMain() {
        return dev.agentauth.mcp.testing.StdioMcpTestServer2026.class;
    }
}
