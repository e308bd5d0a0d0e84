package dev.agentauth.core;

import java.util.Objects;

/**
 * The answer to a {@link TokenRequest}: either a {@link Granted token}, or a {@link ConsentRequired consent
 * requirement} the user must complete first. Immutable and thread-safe.
 */
public sealed interface TokenResult permits TokenResult.Granted, TokenResult.ConsentRequired {

    /** A usable token. */
    record Granted(AccessToken token) implements TokenResult {
        public Granted {
            Objects.requireNonNull(token, "token");
        }
    }

    /** No usable token: the user must authorize first. */
    record ConsentRequired(ConsentRequirement consent) implements TokenResult {
        public ConsentRequired {
            Objects.requireNonNull(consent, "consent");
        }
    }
}
