package dev.agentauth.core;

import java.util.Objects;

/**
 * Identifies one pending consent. Not a secret: it may be shown to the user's UI and logged. It is <em>not</em> the
 * OAuth {@code state}, which only the authorization server and the callback ever see.
 *
 * @param value the identifier
 */
public record ConsentId(String value) {

    public ConsentId {
        Objects.requireNonNull(value, "consent id");
        if (value.isBlank()) {
            throw new IllegalArgumentException("consent id must not be blank");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
