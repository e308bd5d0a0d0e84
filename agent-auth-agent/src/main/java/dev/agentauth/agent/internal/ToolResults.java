package dev.agentauth.agent.internal;

import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentRequirement;

/**
 * What tools tell the model: results, errors and consent notices, in words the model can pass on, never with a
 * credential in them. Stateless.
 */
final class ToolResults {

    private ToolResults() {
    }

    /** The text of a failure, with {@code token} (if any) replaced: a tool must never hand its token to the model. */
    static String describe(RuntimeException e, String token) {
        Throwable cause = e instanceof ToolFailure ? e : (e.getCause() != null ? e.getCause() : e);
        String message = cause.getMessage() == null || cause.getMessage().isBlank()
                ? cause.getClass().getSimpleName() : cause.getMessage();
        return token == null ? message : message.replace(token, "[redacted credential]");
    }

    /** A tool must never hand its token to the model, even by mistake. */
    static ToolResult redact(ToolResult result, String token) {
        String text = result.text();
        if (!text.contains(token)) {
            return result;
        }
        return new ToolResult(text.replace(token, "[redacted credential]"), result.error());
    }

    /** {@link dev.agentauth.agent.ConsentMode#TELL_MODEL}: the tool result asks the user to authorize. */
    static ToolResult tellModel(ConsentRequirement consent) {
        return ToolResult.of("Authorization needed: " + consent.principal().user() + " has not connected "
                + consent.providerDisplayName() + " (scopes: " + consent.scopes() + "). Ask the user to open this link"
                + " to authorize, then call this tool again: " + consent.authorizationUri());
    }

    static String consentFailure(String provider, ConsentFailedException.Reason reason) {
        return switch (reason) {
            case DENIED -> "The user declined to authorize " + provider + ", so the tool could not run. Tell the user"
                    + " it needs that authorization.";
            case EXPIRED -> "The authorization request for " + provider + " expired before the user completed it, so"
                    + " the tool could not run. Offer to try again.";
            default -> "The authorization for " + provider + " did not complete, so the tool could not run.";
        };
    }

    /** A tool failure whose message is safe for the model: no credential, no cause chain. */
    static final class ToolFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ToolFailure(String message) {
            super(message, null, false, false);
        }
    }
}
