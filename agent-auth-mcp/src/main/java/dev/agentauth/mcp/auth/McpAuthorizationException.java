package dev.agentauth.mcp.auth;

import dev.agentauth.core.AgentAuthException;

/**
 * The MCP server's authorization cannot be used: its metadata is missing or does not match, its authorization server
 * does not support PKCE S256, or no client registration is possible. Not retryable unless {@link #retryable()} says so
 * (an unreachable metadata endpoint). Messages never contain a secret.
 */
public class McpAuthorizationException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public McpAuthorizationException(String message, boolean retryable, Throwable cause) {
        super(message, null, null, null, retryable, cause);
    }

    public McpAuthorizationException(String message) {
        this(message, false, null);
    }
}
