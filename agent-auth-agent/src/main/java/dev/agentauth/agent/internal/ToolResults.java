package dev.agentauth.agent.internal;

import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentPrompt;
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
        if (consent.prompt() instanceof ConsentPrompt.Backchannel approval) {
            return ToolResult.of("Approval needed: " + consent.principal().user() + " is asked on their own device to"
                    + " approve the action (" + approval.approval().summary() + "; the device shows "
                    + approval.bindingMessage() + "). The tool did not do it. Tell the user; once they have answered,"
                    + " call this tool again with the same arguments.");
        }
        return ToolResult.of("Authorization needed: " + consent.principal().user() + " has not connected "
                + consent.providerDisplayName() + " (scopes: " + consent.scopes() + "). Ask the user to open this link"
                + " to authorize, then call this tool again: " + consent.authorizationUri());
    }

    /** What the model hears when it retries a call whose approval the user has not answered yet. */
    static ToolResult stillWaiting(ConsentRequirement approval) {
        String action = approval.prompt() instanceof ConsentPrompt.Backchannel b ? b.approval().summary()
                : approval.providerDisplayName();
        return ToolResult.of("Still waiting: " + approval.principal().user() + " has not yet answered the request on"
                + " their device to approve the action (" + action + "). The tool did not do it. Call it again with"
                + " the same arguments once the user has answered; it asks the device no second time.");
    }

    /** What the model hears of {@code consent} ending without a token: in an approval's words for an approval. */
    static String consentFailure(ConsentRequirement consent, ConsentFailedException.Reason reason) {
        if (consent.prompt() instanceof ConsentPrompt.Backchannel approval) {
            String action = "the action (" + approval.approval().summary() + ")";
            return switch (reason) {
                case DENIED -> "The user declined " + action + " on their device, so the tool did not do it. Tell"
                        + " the user it was not done.";
                case EXPIRED -> "The user did not approve " + action + " on their device in time, so the tool did"
                        + " not do it. Offer to ask again.";
                default -> "The approval of " + action + " did not complete, so the tool did not do it.";
            };
        }
        return consentFailure(consent.providerDisplayName(), reason);
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
