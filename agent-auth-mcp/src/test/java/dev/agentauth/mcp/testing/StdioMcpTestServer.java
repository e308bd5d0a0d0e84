package dev.agentauth.mcp.testing;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stdio MCP server built with the MCP Java SDK, started by the tests as {@code java -cp <test class path>
 * dev.agentauth.mcp.testing.StdioMcpTestServer <issuer>}. It reads its token from {@code MCP_TOKEN}, validates it with
 * the issuer's JWKS, and offers {@code whoami} (the subject), {@code env} (its whole environment, as JSON) and
 * {@code pid}.
 */
public final class StdioMcpTestServer {

    public static void main(String[] args) throws Exception {
        String issuer = args[0];
        BearerValidator validator = new BearerValidator(issuer);
        StdioServerTransportProvider transport = new StdioServerTransportProvider(McpJsonDefaults.getMapper());
        McpSchema.Tool whoami = tool("whoami");
        McpSchema.Tool env = tool("env");
        McpSchema.Tool pid = tool("pid");
        McpServer.sync(transport).serverInfo("test-stdio", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(List.of(
                        McpServerFeatures.SyncToolSpecification.builder().tool(whoami).callHandler((ex, req) -> {
                            String token = System.getenv("MCP_TOKEN");
                            BearerValidator.Caller caller = token == null ? null : validator.validate(token);
                            return text(caller == null ? "invalid token" : caller.subject());
                        }).build(),
                        McpServerFeatures.SyncToolSpecification.builder().tool(env).callHandler((ex, req) -> {
                            try {
                                return text(McpJsonDefaults.getMapper().writeValueAsString(
                                        new TreeMap<>(System.getenv())));
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }).build(),
                        McpServerFeatures.SyncToolSpecification.builder().tool(pid).callHandler((ex, req) ->
                                text(Long.toString(ProcessHandle.current().pid()))).build()))
                .build();
        Thread.currentThread().join(); // the transport's threads serve stdin until it closes
    }

    private static McpSchema.Tool tool(String name) {
        return McpSchema.Tool.builder().name(name).description(name).inputSchema(Map.of("type", "object")).build();
    }

    private static McpSchema.CallToolResult text(String s) {
        return McpSchema.CallToolResult.builder().addTextContent(s).isError(false).build();
    }

    private StdioMcpTestServer() {
    }
}
