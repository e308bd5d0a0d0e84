package dev.agentauth.core;

/**
 * The token store could not be reached or did not answer in time (database down, connection pool exhausted, lock
 * wait timed out, embedded store file in use by another process). Nothing stored was lost or changed; retrying later
 * may succeed, so {@link #retryable()} is true. The message names the store and what to check, never a secret.
 */
public class StoreUnavailableException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, null, null, null, true, cause);
    }
}
