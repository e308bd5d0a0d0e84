package dev.agentauth.core.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConnectedAccount;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.ConsentCallbackResult.Status;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a consent ends, whatever its channel. A consent is first {@linkplain #claim claimed} from the store (by a
 * callback, a poll or a decline: one claimant at a time on every replica), then ended once: with tokens
 * ({@link #completeWith}: the account checked, the grant stored with the outcome and the consent's retirement in one
 * write, the waiters woken), refused ({@link #reject}), or declined by the user ({@link #deny}, {@link #decline}).
 * Every ending is audited before the consent's waiters wake, so a waiter that wakes finds the audit trail written.
 * Results are in words for the user's browser, never a secret. Thread-safe; {@link #completeWith} blocks on the store
 * and, for tokens it refuses, on the provider (revocation).
 */
final class ConsentCompletion {

    private static final Logger log = LoggerFactory.getLogger(ConsentCompletion.class);

    private final GrantKeeper grants;
    private final Consents consents;
    private final ConsentEndings endings;
    private final AccountBinding accounts;
    /** How long a decline holds the consent it claims: a callback's bound. */
    private final Duration declineLease;
    private final TokenRevocation revocation = new TokenRevocation();

    ConsentCompletion(GrantKeeper grants, Consents consents, AccountBinding accounts, Duration declineLease) {
        this.grants = grants;
        this.consents = consents;
        this.endings = consents.endings();
        this.accounts = accounts;
        this.declineLease = declineLease;
    }

    /**
     * Claims the pending consent whose state has this digest for {@code lease} ({@link
     * dev.agentauth.core.store.TokenStore#claimConsent}); empty when there is none or another claimant holds it.
     */
    Optional<PendingConsent> claim(String stateDigest, Duration lease) {
        Instant now = grants.clock().instant();
        return grants.store().claimConsent(stateDigest, consents.owner(), now, now.plus(lease));
    }

    /**
     * Gives back a claimed consent: still pending, due for a poll at {@code nextPollAt} every {@code pollInterval}
     * (both {@code null} for a redirect's, which is not polled).
     */
    void release(PendingConsent consent, Instant nextPollAt, Duration pollInterval) {
        grants.store().releaseConsent(consent.stateDigest(), consents.owner(), nextPollAt, pollInterval);
    }

    /** The claimed {@code consent} left the books of pending consents for its grant. */
    void taken(PendingConsent consent) {
        consents.taken(consent);
    }

    /** Where endings that the store refused are kept and retried. */
    ConsentEndings endings() {
        return endings;
    }

    /**
     * The tokens of {@code consent} were issued (a redeemed code, an approved device authorization): checks the
     * account, stores the grant with the outcome and the consent's retirement under the grant's lock, audits, and
     * wakes the consent's waiters. {@code grantType} names the grant in the audit trail.
     */
    ConsentCallbackResult completeWith(PendingConsent consent, ProviderClient client, IssuedTokens issued,
                                       String grantType) {
        String display = client.provider().displayName();
        ConnectedAccount account = null;
        String unidentified = null;
        try {
            account = IdTokenClaims.account(issued.idToken(), client.endpoints().issuer(),
                    client.provider().clientId());
        } catch (IdTokenClaims.Refused e) {
            // Not proof of the account (e.g. a multi-tenant issuer template): the grant records none.
            unidentified = e.getMessage();
            log.info("consent {}: {}; the connected account is not recorded", consent.id(), unidentified);
        }
        String expected = accounts.of(consent.principal(), client.id());
        if (expected != null && (account == null || !account.matches(expected))) {
            // The tokens are for another account than the application bound this user to: never stored.
            discard(client, consent, issued);
            return reject(consent, Status.ACCOUNT_MISMATCH, ConsentFailedException.Reason.ACCOUNT_MISMATCH,
                    account == null ? (unidentified != null ? unidentified
                            : "the provider did not say which account signed in")
                            : "another account signed in than the one expected",
                    (account == null ? "We could not tell which " + display + " account you signed in with"
                            : "You signed in to " + display + " as " + account.displayName()) + ", but " + expected
                            + " is expected. Sign out of " + display + ", then ask the agent again for a new link.");
        }
        StoredGrant grant = grants.grantOf(consent.key(), issued, consent.scopes(), null, client.provider(),
                account);
        ConsentEndings.Ending ending = endings.ending(consent, grant, consents.outcome(consent,
                ConsentOutcome.Status.COMPLETED, null), client, grantType);
        // Stored under the grant's lock (a refresh of the old grant meanwhile cannot overwrite the new one).
        boolean saved = endings.write(ending);
        // Local waiters get the token at once, even when the store has not taken it yet: it is kept and retried.
        consents.completed(consent, grants.serve(grant).token());
        return saved ? completed(consent, client) : savePending(consent, client);
    }

    /** The page of a completed consent. */
    ConsentCallbackResult completed(PendingConsent consent, ProviderClient client) {
        return new ConsentCallbackResult(Status.COMPLETED, consent.id(), client.id(), consent.principal(),
                "Connected " + client.provider().displayName() + ". You can close this window and return to the"
                        + " agent.");
    }

    /** The page of a consent whose tokens were issued while the store is away: kept, and saved when it is back. */
    ConsentCallbackResult savePending(PendingConsent consent, ProviderClient client) {
        String display = client.provider().displayName();
        log.warn("consent {}: {} signed in to {}, but the token store is unavailable; the grant is kept in this"
                + " process and saved when the store is back (tokens revoked after {} min otherwise)", consent.id(),
                consent.principal(), client.id(), ConsentEndings.GIVE_UP_AFTER.toMinutes());
        return new ConsentCallbackResult(Status.SAVE_PENDING, consent.id(), client.id(), consent.principal(),
                "You signed in to " + display + ", but the agent could not save the connection yet: its database is"
                        + " unavailable. It keeps trying for " + ConsentEndings.GIVE_UP_AFTER.toMinutes()
                        + " minutes. Reload this page in a moment to check, or return to the agent.");
    }

    /**
     * The user said no (RFC 6749 §4.1.2.1, RFC 8628 §3.5 {@code access_denied}, or a decline in the application):
     * {@code consent} ends {@code DENIED}. {@code oauthError} is what the waiters' exception carries, {@code detail}
     * what the outcome and the audit trail record; {@code message} says it for the waiters, never with a secret.
     */
    void deny(PendingConsent consent, String oauthError, String detail, String message) {
        ProviderId provider = consent.key().provider();
        grants.audit().record(AuditEvent.Type.CONSENT_DENIED, provider, consent.principal(), consent.scopes(),
                consent.id(), detail);
        consents.failed(consent, new ConsentFailedException(consent.id(), ConsentFailedException.Reason.DENIED,
                message + "; the tool cannot act for this user until they do", provider, consent.principal(),
                oauthError), ConsentOutcome.Status.DENIED, detail);
        log.info("consent {} denied: {} for {} ({})", consent.id(), provider, consent.principal(), detail);
    }

    /** {@code consent} failed for {@code why} (no secret): its waiters fail, the outcome is written, the user is told. */
    ConsentCallbackResult reject(PendingConsent consent, Status status, ConsentFailedException.Reason reason,
                                 String why, String userMessage) {
        ProviderId provider = consent.key().provider();
        log.warn("consent {} ({} for {}) rejected: {}", consent.id(), provider, consent.principal(), why);
        grants.audit().record(AuditEvent.Type.CONSENT_REJECTED, provider, consent.principal(), consent.scopes(),
                consent.id(), why);
        consents.failed(consent, new ConsentFailedException(consent.id(), reason, "consent " + consent.id() + " for "
                        + provider + " failed: " + why + "; request the token again", provider, consent.principal(),
                        null),
                reason == ConsentFailedException.Reason.EXPIRED ? ConsentOutcome.Status.EXPIRED
                        : ConsentOutcome.Status.REJECTED, why);
        return new ConsentCallbackResult(status, consent.id(), provider, consent.principal(), userMessage);
    }

    /** The provider refused to finish {@code consent} ({@code why}): it ends {@code REJECTED}, with {@code detail}. */
    void fail(PendingConsent consent, AgentAuthException why, String detail) {
        grants.audit().record(AuditEvent.Type.CONSENT_REJECTED, consent.key().provider(), consent.principal(),
                consent.scopes(), consent.id(), detail);
        consents.failed(consent, why, ConsentOutcome.Status.REJECTED, detail);
    }

    /**
     * The user declined in the application: the consent ends as if the provider had answered {@code access_denied},
     * whatever its channel (a polled one is then no longer found due). {@code false} when it is unknown, ended, or
     * claimed by a callback or a poll.
     *
     * @throws AgentAuthException the consent belongs to another user
     */
    boolean decline(ConsentId id, String user) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        PendingConsent consent = grants.store().findConsent(id).orElse(null);
        if (consent == null) {
            return false;
        }
        if (!user.equals(consent.principal().user())) {
            log.warn("decline of consent {} refused: it belongs to another user", id);
            throw new AgentAuthException("consent " + id + " belongs to another user; only that user can decline it",
                    consent.key().provider(), Principal.user(user));
        }
        if (claim(consent.stateDigest(), declineLease).isEmpty()) {
            return false; // the callback or another decline has it
        }
        deny(consent, "access_denied", "declined", consent.principal() + " declined to connect "
                + consent.key().provider() + " (in the application)");
        return true;
    }

    /** Best effort: tokens redeemed for a consent that is then refused are revoked at the provider (RFC 7009). */
    private void discard(ProviderClient client, PendingConsent consent, IssuedTokens issued) {
        try {
            revocation.revoke(client, grants.grantOf(consent.key(), issued, consent.scopes(), null,
                    client.provider()), consent.principal());
        } catch (RuntimeException e) {
            log.info("consent {}: revoking the discarded tokens failed: {}", consent.id(), e.getClass().getSimpleName());
        }
    }
}
