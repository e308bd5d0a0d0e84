package dev.agentauth.core;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The identity-provider account a user connected: who signed in at the provider when the consent completed, as its ID
 * token (OpenID Connect Core §2) says. Not a secret, but personal data: stores keep it encrypted like tokens.
 * Immutable and thread-safe.
 *
 * @param subject  the provider's stable identifier of the account ({@code sub})
 * @param email    its e-mail address, or {@code null} when the provider did not say
 * @param username its preferred user name, or {@code null} when the provider did not say
 * @since 0.2.0
 */
public record ConnectedAccount(String subject, String email, String username) {

    public ConnectedAccount {
        Objects.requireNonNull(subject, "subject");
        if (subject.isBlank()) {
            throw new IllegalArgumentException("an account's subject must not be blank");
        }
    }

    /** The name to show a person: the e-mail, else the user name, else the subject. */
    public String displayName() {
        return email != null ? email : username != null ? username : subject;
    }

    public Optional<String> emailAddress() {
        return Optional.ofNullable(email);
    }

    public Optional<String> preferredUsername() {
        return Optional.ofNullable(username);
    }

    /**
     * Whether {@code expected} names this account: its e-mail (case-insensitive), its user name or its subject.
     */
    public boolean matches(String expected) {
        if (expected == null) {
            return true;
        }
        String e = expected.strip();
        return (email != null && email.toLowerCase(Locale.ROOT).equals(e.toLowerCase(Locale.ROOT)))
                || e.equals(username) || e.equals(subject);
    }
}
