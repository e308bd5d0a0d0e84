package dev.agentauth.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The identifier of a configured {@link Provider}, such as {@code github} or {@code corp-sso}.
 *
 * <p>Lower-case letters, digits, {@code -}, {@code _} and {@code .}; 1 to 64 characters. Immutable and thread-safe.
 *
 * @param value the identifier
 */
public record ProviderId(String value) {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public ProviderId {
        Objects.requireNonNull(value, "provider id");
        if (!VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("provider id '" + value
                    + "' is invalid: use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    /** Shorthand for {@code new ProviderId(value)}. */
    public static ProviderId of(String value) {
        return new ProviderId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
