package dev.agentauth.core.internal;

import java.time.Duration;
import java.util.Objects;

/** The checks every builder applies when an option is set: set once, not null, durations in range. */
public final class BuilderChecks {

    private BuilderChecks() {
    }

    /** {@code value}, unless the option was already set ({@code current} not null). */
    public static <T> T once(T current, T value, String name) {
        Objects.requireNonNull(value, name);
        if (current != null) {
            throw new IllegalStateException(name + " was already set");
        }
        return value;
    }

    /** {@code d}, which must be more than zero. */
    public static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    /** {@code d}, which must not be negative. */
    public static Duration nonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d;
    }
}
