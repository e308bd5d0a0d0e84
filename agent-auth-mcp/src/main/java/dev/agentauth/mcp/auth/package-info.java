/**
 * MCP authorization for servers without a configured provider: protected resource metadata (RFC 9728),
 * authorization server metadata (RFC 8414), client registration (pre-registered, client ID metadata document, RFC
 * 7591), all through the broker's HTTP client. {@link dev.agentauth.mcp.auth.McpAuthorization} is the entry point.
 */
package dev.agentauth.mcp.auth;
