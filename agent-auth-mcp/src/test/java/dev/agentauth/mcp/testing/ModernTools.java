package dev.agentauth.mcp.testing;

import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** Tools for the test servers built on the SDK's 2026-07-28 server classes: a fixed list, answers in text. */
public final class ModernTools {

    /** A repository that lists {@code tools} on one page and finds them by name. */
    public static McpSyncToolRepository of(List<McpSyncTool> tools) {
        return new McpSyncToolRepository() {
            @Override
            public ToolsPage list(McpRequestContext ctx, String cursor) {
                return ToolsPage.of(tools.stream().map(McpSyncTool::definition).toList());
            }

            @Override
            public McpSyncTool find(McpRequestContext ctx, String name) {
                return tools.stream().filter(t -> t.definition().name().equals(name)).findFirst().orElse(null);
            }
        };
    }

    /** A tool answering the text {@code answer} computes from the call. */
    public static McpSyncTool text(String name, String description, Map<String, Object> inputSchema,
                                   BiFunction<McpRequestContext, McpSchema.CallToolRequest, String> answer) {
        return McpSyncTool.of(McpSchema.Tool.builder(name, inputSchema).description(description).build(),
                (ctx, request) -> text(answer.apply(ctx, request)));
    }

    /** A text result. */
    public static McpSyncResponse<McpSchema.CallToolOutcome> text(String s) {
        return McpSyncResponse.result(new McpSchema.CallToolResult.Builder()
                .addContent(McpSchema.TextContent.builder(s).build()).isError(false).build());
    }

    private ModernTools() {
    }
}
