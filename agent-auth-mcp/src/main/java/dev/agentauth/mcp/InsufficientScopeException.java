package dev.agentauth.mcp;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;

/**
 * The MCP server kept answering 403 {@code insufficient_scope} after the user authorized the scopes it asked for, on
 * the last allowed step-up (MCP 2025-11-25, "Step-Up Authorization Flow": retry a few times, then treat it as a
 * permanent authorization failure). Not retryable as such; the attempt count is reset, so a later call may try again.
 */
public class InsufficientScopeException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public InsufficientScopeException(String message, ProviderId provider, Principal principal) {
        super(message, provider, principal, "insufficient_scope", false, null);
    }
}
