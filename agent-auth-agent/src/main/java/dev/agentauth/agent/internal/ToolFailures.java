package dev.agentauth.agent.internal;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentRequiredException;
import dev.agentauth.core.MissingCredentialException;
import dev.agentauth.core.ProviderUnavailableException;
import dev.agentauth.core.StoreUnavailableException;
import java.util.IdentityHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whose a failed tool call is. The operator's — a configuration the model and the user cannot change (an unknown
 * provider, no redirect URI for a consent, client credentials the provider refuses, a token type or key that does not
 * fit, a call without a user) — is thrown out of the agent call with a WARN, and the model hears nothing of it:
 * it would only apologise for, or retry, what it cannot fix. The user's (a consent to give, declined or expired, an
 * API key of their own to add) and the transient (the provider or the store unreachable: {@link
 * AgentAuthException#retryable()}) are told to the model, which can tell the user. Failures that are not agent-auth's
 * (the tool's own, its API's) are told to the model as before. Stateless.
 */
public final class ToolFailures {

    private static final Logger log = LoggerFactory.getLogger(ToolFailures.class);

    private ToolFailures() {
    }

    /**
     * The operator's failure in {@code error}'s cause chain, or {@code null} when there is none (the failure is told
     * to the model). A consent interrupt is neither: it has a path of its own.
     */
    public static AgentAuthException operators(Throwable error) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = error; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof AgentAuthException e) {
                return isOperators(e) ? e : null;
            }
        }
        return null;
    }

    private static boolean isOperators(AgentAuthException e) {
        if (e instanceof ConsentInterruptException || e instanceof ConsentRequiredException
                || e instanceof ConsentFailedException) {
            return false; // the user's: a consent to give, or one they declined or let expire
        }
        if (e.retryable()) {
            return false; // transient: the provider or the store may answer later
        }
        if (e instanceof MissingCredentialException && e.principal() != null && e.principal().hasUser()) {
            return false; // the user's own API key is missing or refused: the user can add one
        }
        return true;
    }

    /**
     * The WARN for an operator's failure of tool {@code tool}: the provider (when known) and the exception's message,
     * which says what to fix and, like every agent-auth message, holds no secret.
     */
    public static void warn(String tool, AgentAuthException e) {
        log.warn("tool {}{} failed on the application's configuration, not told to the model; the agent call"
                + " throws {}: {}", tool, e.provider() != null ? " (provider " + e.provider() + ")" : "",
                e.getClass().getSimpleName(), e.getMessage());
    }

    /**
     * What the model hears of an agent-auth failure that is not the operator's, in words it can pass on; {@code null}
     * for one whose own message serves.
     */
    static String toModel(AgentAuthException e, String provider) {
        String name = provider != null ? provider : e.provider() != null ? e.provider().value() : "the provider";
        if (e instanceof ProviderUnavailableException unavailable) {
            return "The tool could not run: " + name + " is temporarily unavailable. Try again "
                    + unavailable.retryAfter().map(d -> "in about " + Math.max(1, d.toSeconds()) + " s.")
                            .orElse("later.");
        }
        if (e instanceof StoreUnavailableException) {
            return "The tool could not run: the credential store is temporarily unavailable. Try again later.";
        }
        if (e instanceof MissingCredentialException) {
            return "The tool could not run: the user has no valid API key for " + name + ". Ask the user to add one"
                    + " in the application's settings.";
        }
        if (e.retryable()) {
            return "The tool could not run: " + name + " did not answer. Try again later.";
        }
        return null;
    }
}
