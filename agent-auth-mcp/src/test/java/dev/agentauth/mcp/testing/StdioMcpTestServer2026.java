package dev.agentauth.mcp.testing;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpServer;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.transport.StdioMcpTransport;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link StdioMcpTestServer}'s tools ({@code whoami}, {@code env}, {@code pid}) on the 2026-07-28 wire, built on the
 * SDK's modern server classes and its stdio transport. Started as {@code java -cp <test class path>
 * dev.agentauth.mcp.testing.StdioMcpTestServer2026 <issuer>}; the token comes from {@code MCP_TOKEN}.
 */
public final class StdioMcpTestServer2026 {

    public static void main(String[] args) throws Exception {
        BearerValidator validator = new BearerValidator(args[0]);
        Map<String, Object> object = Map.of("type", "object");
        List<McpSyncTool> tools = List.of(
                ModernTools.text("whoami", "whoami", object, (ctx, req) -> {
                    String token = System.getenv("MCP_TOKEN");
                    BearerValidator.Caller caller = token == null ? null : validator.validate(token);
                    return caller == null ? "invalid token" : caller.subject();
                }),
                ModernTools.text("env", "env", object, (ctx, req) -> {
                    try {
                        return McpJsonDefaults.getMapper().writeValueAsString(new TreeMap<>(System.getenv()));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }),
                ModernTools.text("pid", "pid", object, (ctx, req) -> Long.toString(ProcessHandle.current().pid())));
        McpSyncToolRepository repository = ModernTools.of(tools);
        McpServer server = McpServer.builder()
                .serverInfo(McpSchema.Implementation.builder("test-stdio-2026", "1.0").build())
                .feature(ToolsFeature.ofSync(repository)).build();
        new StdioMcpTransport(server, McpJsonDefaults.getMapper()).start().block();
        Thread.currentThread().join();
    }

    private StdioMcpTestServer2026() {
    }
}
