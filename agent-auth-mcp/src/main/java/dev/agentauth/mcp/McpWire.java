package dev.agentauth.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;

/**
 * One principal's client of an HTTP MCP server on one revision of the protocol, with the SDK's earlier schema types
 * as the common currency of both wires. Implementations block on the network.
 */
interface McpWire {

    /** Every tool of the server (all pages). */
    java.util.List<McpSchema.Tool> listTools();

    McpSchema.CallToolResult callTool(String name, Map<String, Object> arguments);

    /** The revision this wire speaks. */
    McpRevision revision();

    void close();
}
