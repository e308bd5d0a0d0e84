/**
 * MCP servers behind per-user tokens, on the MCP Java SDK: {@link dev.agentauth.mcp.AuthenticatedMcpServer} for
 * Streamable HTTP, legacy SSE and stdio, and {@link dev.agentauth.mcp.AuthenticatedMcpToolset}, which exposes their
 * tools to an agent with the same consent interrupt as annotated tools. Thread-safe; calls block on the broker, the
 * network or the server process.
 */
package dev.agentauth.mcp;
