package dev.agentauth.core;

import java.time.Duration;
import java.util.Optional;

/**
 * The provider could not be reached or answered something unusable (connection refused or reset, timeout, HTTP 5xx,
 * 429 or 408, a malformed response). The stored grant was kept; retrying later may succeed, so {@link #retryable()} is
 * true, and {@link #retryAfter()} says when, if the provider did ({@code Retry-After}).
 */
public class ProviderUnavailableException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    public ProviderUnavailableException(String message, ProviderId provider, Principal principal, Throwable cause) {
        this(message, provider, principal, cause, null);
    }

    /**
     * @param retryAfter how long the provider asked callers to wait (RFC 9110 §10.2.3), or {@code null}
     * @since 0.2.0
     */
    public ProviderUnavailableException(String message, ProviderId provider, Principal principal, Throwable cause,
                                        Duration retryAfter) {
        super(message, provider, principal, null, true, cause);
        this.retryAfter = retryAfter;
    }

    /** How long the provider asked callers to wait before retrying, when it said so. @since 0.2.0 */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
