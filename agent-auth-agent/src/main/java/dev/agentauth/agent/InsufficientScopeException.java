package dev.agentauth.agent;

import dev.agentauth.core.Scopes;
import java.util.Objects;

/**
 * Throw from an {@link AuthenticatedTool} when the API answered HTTP 403 {@code insufficient_scope} (RFC 6750 §3.1).
 * The framework asks the user to consent to the union of the granted and the {@link #requiredScopes() required}
 * scopes (incremental consent), then runs the tool again.
 */
public class InsufficientScopeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Scopes requiredScopes;

    public InsufficientScopeException(String... requiredScopes) {
        super("the API needs more scopes (HTTP 403 insufficient_scope)");
        this.requiredScopes = Scopes.of(Objects.requireNonNull(requiredScopes, "requiredScopes"));
    }

    /** The scopes the API asked for. */
    public Scopes requiredScopes() {
        return requiredScopes;
    }
}
