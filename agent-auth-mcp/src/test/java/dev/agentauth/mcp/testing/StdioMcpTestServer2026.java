package dev.agentauth.mcp.testing;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpServer;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
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
        List<McpSyncTool> tools = List.of(
                tool("whoami", (ctx, req) -> {
                    String token = System.getenv("MCP_TOKEN");
                    BearerValidator.Caller caller = token == null ? null : validator.validate(token);
                    return text(caller == null ? "invalid token" : caller.subject());
                }),
                tool("env", (ctx, req) -> {
                    try {
                        return text(McpJsonDefaults.getMapper().writeValueAsString(new TreeMap<>(System.getenv())));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }),
                tool("pid", (ctx, req) -> text(Long.toString(ProcessHandle.current().pid()))));
        McpSyncToolRepository repository = new McpSyncToolRepository() {
            @Override
            public ToolsPage list(McpRequestContext ctx, String cursor) {
                return ToolsPage.of(tools.stream().map(McpSyncTool::definition).toList());
            }

            @Override
            public McpSyncTool find(McpRequestContext ctx, String name) {
                return tools.stream().filter(t -> t.definition().name().equals(name)).findFirst().orElse(null);
            }
        };
        McpServer server = McpServer.builder()
                .serverInfo(McpSchema.Implementation.builder("test-stdio-2026", "1.0").build())
                .feature(ToolsFeature.ofSync(repository)).build();
        new StdioMcpTransport(server, McpJsonDefaults.getMapper()).start().block();
        Thread.currentThread().join();
    }

    private static McpSyncTool tool(String name, McpSyncTool.Handler handler) {
        return McpSyncTool.of(McpSchema.Tool.builder(name, Map.of("type", "object")).description(name).build(),
                handler);
    }

    private static McpSyncResponse<McpSchema.CallToolOutcome> text(String s) {
        return McpSyncResponse.result(new McpSchema.CallToolResult.Builder()
                .addContent(McpSchema.TextContent.builder(s).build()).isError(false).build());
    }

    private StdioMcpTestServer2026() {
    }
}
