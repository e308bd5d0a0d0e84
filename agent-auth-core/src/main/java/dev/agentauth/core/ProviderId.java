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

    /** Canonical instances of the first ids asked for, so that a request built per call shares its provider's. */
    private static final java.util.concurrent.ConcurrentHashMap<String, ProviderId> CANONICAL =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CANONICAL_MAX = 256;

    /**
     * {@code new ProviderId(value)}, or an equal instance made before: the first 256 distinct ids are kept, so a
     * request built per call (from a constant or configuration) neither validates its id again nor carries an object
     * of its own.
     */
    public static ProviderId of(String value) {
        ProviderId known = CANONICAL.get(Objects.requireNonNull(value, "provider id"));
        if (known != null) {
            return known;
        }
        ProviderId id = new ProviderId(value);
        if (CANONICAL.size() < CANONICAL_MAX) {
            ProviderId raced = CANONICAL.putIfAbsent(value, id);
            return raced != null ? raced : id;
        }
        return id;
    }


    /** Written out rather than generated: on the broker's per-call path the generated form calls through {@code Objects}. */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof ProviderId other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
    @Override
    public String toString() {
        return value;
    }
}
