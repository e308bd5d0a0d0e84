package dev.agentauth.core;

import java.util.Optional;

/**
 * The identity-provider account a user must connect, when the application knows it (e.g. alice's work address at
 * the corporate provider). The broker sends it as {@code login_hint} (OpenID Connect Core §3.1.2.1) on the
 * authorization request, and refuses a consent completed by another account ({@link ConsentFailedException.Reason#ACCOUNT_MISMATCH}),
 * or by an account it cannot identify. Without a binding, whichever account signs in is recorded on the grant.
 *
 * <p>Called on the thread that starts a consent and that completes it; must be thread-safe and should not block.
 *
 * @since 0.2.0
 */
@FunctionalInterface
public interface ExpectedAccount {

    /** The account {@code principal} must connect at {@code provider}: an e-mail, user name or subject; or empty. */
    Optional<String> of(Principal principal, ProviderId provider);
}
