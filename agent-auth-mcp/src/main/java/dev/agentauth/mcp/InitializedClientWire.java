package dev.agentauth.mcp;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code initialize}-handshake wire over an SDK client that is already initialized (a stdio server process).
 * Thread-safe as the SDK client is; blocks on the process.
 */
final class InitializedClientWire implements McpWire {

    private final McpSyncClient client;

    InitializedClientWire(McpSyncClient client) {
        this.client = client;
    }

    @Override
    public List<McpSchema.Tool> listTools() {
        return allTools(client);
    }

    /** Every tool of a handshake-wire server: all pages, at most 100. */
    static List<McpSchema.Tool> allTools(McpSyncClient client) {
        List<McpSchema.Tool> tools = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            McpSchema.ListToolsResult page = cursor == null ? client.listTools() : client.listTools(cursor);
            tools.addAll(page.tools());
            cursor = page.nextCursor();
        } while (cursor != null && ++pages < 100);
        return tools;
    }

    @Override
    public McpSchema.CallToolResult callTool(String name, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest(name, arguments));
    }

    @Override
    public McpRevision revision() {
        return McpRevision.V2025_11_25;
    }

    @Override
    public void close() {
        client.closeGracefully();
    }
}
