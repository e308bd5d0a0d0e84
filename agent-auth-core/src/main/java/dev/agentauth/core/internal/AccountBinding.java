package dev.agentauth.core.internal;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ExpectedAccount;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;

/**
 * The application's {@link ExpectedAccount} binding, as consents use it: sent as {@code login_hint} when a consent
 * starts (OpenID Connect Core §3.1.2.1), and checked against the account that signed in when it completes. Thread-safe
 * when the binding is; blocks for as long as the binding does.
 */
final class AccountBinding {

    private final ExpectedAccount expected;

    AccountBinding(ExpectedAccount expected) {
        this.expected = expected;
    }

    /** The account {@code principal} must connect at {@code provider}, or {@code null}; a blank answer is none. */
    String of(Principal principal, ProviderId provider) {
        try {
            return expected.of(principal, provider).filter(s -> !s.isBlank()).orElse(null);
        } catch (RuntimeException e) {
            throw new ConfigurationException("the expected-account binding failed for " + principal + " at "
                    + provider + " (" + e.getClass().getSimpleName() + ")", provider, e);
        }
    }
}
