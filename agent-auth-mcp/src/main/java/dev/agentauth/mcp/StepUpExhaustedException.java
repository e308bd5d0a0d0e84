package dev.agentauth.mcp;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;

/**
 * The MCP server kept refusing an operation (403 {@code insufficient_scope}, or 401 after a refresh) after the user
 * authorized what it asked for, on the last allowed authorization (MCP 2025-11-25, "Step-Up Authorization Flow": retry
 * a few times, then treat it as a permanent authorization failure); see
 * {@link dev.agentauth.core.Reauthorization#maxAuthorizations()}. Not retryable as such; the count is reset, so a
 * later call may try again.
 */
public class StepUpExhaustedException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public StepUpExhaustedException(String message, ProviderId provider, Principal principal) {
        super(message, provider, principal, "insufficient_scope", false, null);
    }
}
