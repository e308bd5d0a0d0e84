package dev.agentauth.core;

import java.util.Objects;

/**
 * A secret string (client secret, API key) whose {@link #toString()} never reveals it.
 *
 * <p>Read the value only at the point of use, with {@link #reveal()}. Immutable and thread-safe.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** Wraps a secret value; it must not be blank. */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "secret");
        if (value.isBlank()) {
            throw new IllegalArgumentException("secret must not be blank");
        }
        return new Secret(value);
    }

    /** The secret itself. Never log or return it to a model. */
    public String reveal() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && java.security.MessageDigest.isEqual(
                value.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                s.value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return 0; // a hash of the value would leak bits of it
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
