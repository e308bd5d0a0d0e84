package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.id.State;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConnectedAccount;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.ConsentCallbackResult.Status;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.StoreIntegrityException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OAuth callback: validates what the browser brought back, in an order where nothing is redeemed before every
 * check passed, then redeems the code and keeps the grant. Checks, in order: the response parses; it carries a state;
 * the state is known and unused (taken from the store atomically: single use, so a replay finds nothing); the
 * provider is still configured; the consent has not expired; the callback arrived at the redirect URI the request
 * named (RFC 6749 §4.1.3); the signed-in user, when the application says who it is, is the consent's user (a
 * consent link forwarded to another user is refused); {@code iss} is the provider's issuer (RFC 9207 §2.4: mix-up
 * attacks send another one). After redemption, the account the ID token names is recorded on the grant, and checked
 * against the application's {@link dev.agentauth.core.ExpectedAccount} binding: tokens for another account are
 * revoked and never stored. Never throws for a bad callback: the result says what happened, in words for the browser.
 * Thread-safe; blocks while it redeems the code.
 */
final class ConsentCallback {

    private static final Logger log = LoggerFactory.getLogger(ConsentCallback.class);

    private final ProviderRegistry providers;
    private final GrantKeeper grants;
    private final Consents consents;
    private final ConsentEndings endings;
    /** How long a callback holds its consent: past it (its replica died), a retry of the callback may take over. */
    private final Duration claimLease;
    private final AuthorizationCodeGrantFlow authorizationCode = new AuthorizationCodeGrantFlow();
    private final TokenRevocation revocation = new TokenRevocation();

    ConsentCallback(ProviderRegistry providers, GrantKeeper grants, Consents consents, ConsentEndings endings,
                    Duration claimLease) {
        this.providers = providers;
        this.grants = grants;
        this.consents = consents;
        this.endings = endings;
        this.claimLease = claimLease;
    }

    ConsentCallbackResult complete(URI callbackUri, String signedInUser) {
        AuthorizationResponse response;
        try {
            response = AuthorizationResponse.parse(callbackUri);
        } catch (ParseException | RuntimeException e) {
            return rejectUnknown(Status.FAILED, "malformed callback",
                    "The sign-in response was malformed. Return to the agent and try again.");
        }
        State state = response.getState();
        if (state == null) {
            return rejectUnknown(Status.UNKNOWN_STATE, "callback without state",
                    "This sign-in response carries no state. Return to the agent and start again.");
        }
        String digest = Consents.digest(state.getValue());
        ConsentEndings.Ending done = endings.completed(digest).orElse(null);
        if (done != null) {
            return completedResult(done.consent(), done.client()); // a reload of a callback that completed here
        }
        ConsentEndings.Ending kept = endings.unsaved(digest).orElse(null);
        if (kept != null) {
            // The same callback again, after the store refused its ending: store it now if the store is back.
            return endings.retry(kept) ? completedResult(kept.consent(), kept.client())
                    : savePending(kept.consent(), kept.client());
        }
        // Single use: the consent is claimed before anything else is checked, so a replay (on any replica) finds
        // nothing; it stays stored until it is retired together with what it produced.
        PendingConsent consent;
        try {
            Instant now = grants.clock().instant();
            consent = grants.store().claimConsent(digest, consents.owner(), now, now.plus(claimLease)).orElse(null);
        } catch (StoreIntegrityException e) {
            return rejectUnknown(Status.UNKNOWN_STATE, "the stored consent failed its integrity check",
                    "This sign-in link can no longer be used. Return to the agent and start again.");
        }
        if (consent == null) {
            return rejectUnknown(Status.UNKNOWN_STATE, "unknown, already used or in-flight state",
                    "This sign-in link is unknown, was already used, or is being completed in another window."
                            + " Return to the agent: if it is connected, you are done; otherwise start again.");
        }
        consents.taken(consent);
        ProviderClient client = providers.find(consent.key().provider());
        if (client == null) {
            return reject(consent, Status.FAILED, ConsentFailedException.Reason.REJECTED,
                    "provider no longer configured", "This sign-in is for a provider the agent no longer knows.");
        }
        String display = client.provider().displayName();
        if (grants.clock().instant().isAfter(consent.expiresAt())) {
            return reject(consent, Status.EXPIRED, ConsentFailedException.Reason.EXPIRED, "consent expired",
                    "This sign-in request to " + display + " expired. Return to the agent and try again.");
        }
        if (!sameEndpoint(callbackUri, consent.redirectUri())) {
            return reject(consent, Status.REDIRECT_MISMATCH, ConsentFailedException.Reason.REJECTED,
                    "callback at another redirect URI",
                    "This sign-in response arrived at the wrong address. Return to the agent and try again.");
        }
        if (signedInUser != null && !signedInUser.equals(consent.principal().user())) {
            return reject(consent, Status.USER_MISMATCH, ConsentFailedException.Reason.REJECTED,
                    "signed-in user differs from the consent's user",
                    "This sign-in was started by another user, and its link is now used up. Sign in to the"
                            + " agent as yourself and ask again for a new link.");
        }
        Endpoints endpoints = client.endpoints();
        String iss = response.getIssuer() != null ? response.getIssuer().getValue() : null;
        if (iss != null && endpoints.issuer() != null && !iss.equals(endpoints.issuer().toString())) {
            return reject(consent, Status.ISSUER_MISMATCH, ConsentFailedException.Reason.REJECTED,
                    "iss does not match the provider's issuer",
                    "This sign-in response came from an unexpected issuer and was refused.");
        }
        if (iss == null && endpoints.issuerParameterRequired()) {
            return reject(consent, Status.ISSUER_MISMATCH, ConsentFailedException.Reason.REJECTED,
                    "iss missing although the provider sends it",
                    "This sign-in response lacks its issuer and was refused.");
        }
        if (response instanceof AuthorizationErrorResponse error) {
            return denied(consent, client, error);
        }
        AuthorizationSuccessResponse success = (AuthorizationSuccessResponse) response;
        if (success.getAuthorizationCode() == null) {
            return reject(consent, Status.FAILED, ConsentFailedException.Reason.REJECTED, "callback without code",
                    "The sign-in response carries no authorization code. Return to the agent and try again.");
        }
        return redeem(consent, client, success.getAuthorizationCode().getValue());
    }

    /** The user declined in the application: the consent ends as if the provider had answered access_denied. */
    boolean decline(dev.agentauth.core.ConsentId id, String user) {
        java.util.Objects.requireNonNull(id, "id");
        java.util.Objects.requireNonNull(user, "user");
        PendingConsent consent = grants.store().findConsent(id).orElse(null);
        if (consent == null) {
            return false;
        }
        if (!user.equals(consent.principal().user())) {
            log.warn("decline of consent {} refused: it belongs to another user", id);
            throw new dev.agentauth.core.AgentAuthException("consent " + id + " belongs to another user; only that"
                    + " user can decline it", consent.key().provider(), dev.agentauth.core.Principal.user(user));
        }
        Instant now = grants.clock().instant();
        if (grants.store().claimConsent(consent.stateDigest(), consents.owner(), now, now.plus(claimLease))
                .isEmpty()) {
            return false; // the callback or another decline has it
        }
        consents.failed(consent, new ConsentFailedException(consent.id(), ConsentFailedException.Reason.DENIED,
                consent.principal() + " declined to connect " + consent.key().provider() + " (in the application);"
                        + " the tool cannot act for this user until they do", consent.key().provider(),
                consent.principal(), "access_denied"),
                ConsentOutcome.Status.DENIED, "declined");
        grants.audit().record(AuditEvent.Type.CONSENT_DENIED, consent.key().provider(), consent.principal(),
                consent.scopes(), consent.id(), "declined");
        log.info("consent {} declined by {} in the application", consent.id(), consent.principal());
        return true;
    }

    /** RFC 6749 §4.1.2.1: the user (or the provider) said no. */
    private ConsentCallbackResult denied(PendingConsent consent, ProviderClient client,
                                         AuthorizationErrorResponse error) {
        String code = error.getErrorObject() != null ? error.getErrorObject().getCode() : "error";
        consents.failed(consent, new ConsentFailedException(consent.id(), ConsentFailedException.Reason.DENIED,
                consent.principal() + " did not authorize " + client.id() + " (" + code + "); the tool cannot act for"
                        + " this user until they do", client.id(), consent.principal(), code),
                ConsentOutcome.Status.DENIED, code);
        grants.audit().record(AuditEvent.Type.CONSENT_DENIED, client.id(), consent.principal(), consent.scopes(),
                consent.id(), code);
        log.info("consent {} denied: {} for {} ({})", consent.id(), client.id(), consent.principal(), code);
        return new ConsentCallbackResult(Status.DENIED, consent.id(), client.id(), consent.principal(),
                "You did not authorize " + client.provider().displayName()
                        + ". The agent was told; you can close this window.");
    }

    /** RFC 6749 §4.1.3: the code, with the PKCE verifier and the same redirect URI. */
    private ConsentCallbackResult redeem(PendingConsent consent, ProviderClient client, String code) {
        String display = client.provider().displayName();
        IssuedTokens issued;
        try {
            issued = authorizationCode.redeem(client, code, consent.codeVerifier(), consent.redirectUri(),
                    consent.principal());
        } catch (AgentAuthException e) {
            if (e.retryable()) {
                // The provider is down or did not answer: the code may still be unredeemed. The consent is given
                // back, so reloading the callback page finishes the sign-in once the provider answers (or, if the
                // provider did redeem it meanwhile, ends it with the provider's invalid_grant).
                grants.store().releaseConsent(consent.stateDigest(), consents.owner(), null, null);
                log.warn("consent {}: provider {} is unreachable; the callback can be retried: {}", consent.id(),
                        client.id(), e.getMessage());
                return new ConsentCallbackResult(Status.PROVIDER_UNAVAILABLE, consent.id(), client.id(),
                        consent.principal(), display + " could not be reached to finish the sign-in. Reload this"
                                + " page in a moment to try again.");
            }
            log.warn("consent {}: provider {} did not redeem the code: {}", consent.id(), client.id(), e.getMessage());
            String detail = e.oauthError() != null ? e.oauthError() : "code redemption failed";
            consents.failed(consent, e, ConsentOutcome.Status.REJECTED, detail);
            grants.audit().record(AuditEvent.Type.CONSENT_REJECTED, client.id(), consent.principal(),
                    consent.scopes(), consent.id(), detail);
            return new ConsentCallbackResult(Status.FAILED, consent.id(), client.id(), consent.principal(),
                    display + " did not complete the sign-in" + (e.retryable() ? " (it is unreachable)" : "")
                            + ". Return to the agent and try again.");
        }
        return completeWith(consent, client, issued, "authorization_code");
    }

    /**
     * The tokens of {@code consent} were issued (a redeemed code, or an approved device authorization): checks the
     * account, stores the grant under its lock, audits, and wakes the consent's waiters.
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
        String expected = consents.expectedAccount(consent.principal(), client.id());
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
        return saved ? completedResult(consent, client) : savePending(consent, client);
    }

    private ConsentCallbackResult completedResult(PendingConsent consent, ProviderClient client) {
        return new ConsentCallbackResult(Status.COMPLETED, consent.id(), client.id(), consent.principal(),
                "Connected " + client.provider().displayName() + ". You can close this window and return to the"
                        + " agent.");
    }

    private ConsentCallbackResult savePending(PendingConsent consent, ProviderClient client) {
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
     * A device authorization ended without tokens (RFC 8628 §3.5): the user said no ({@code access_denied}), the device
     * code expired ({@code expired_token}, or its lifetime passed), or the provider refused otherwise. {@code consent}
     * was already taken from the store.
     */
    void deviceEnded(PendingConsent consent, String error) {
        ProviderId provider = consent.key().provider();
        if ("access_denied".equals(error)) {
            consents.failed(consent, new ConsentFailedException(consent.id(), ConsentFailedException.Reason.DENIED,
                    consent.principal() + " declined to connect " + provider + " on the device page; the tool cannot"
                            + " act for this user until they do", provider, consent.principal(), "access_denied"),
                    ConsentOutcome.Status.DENIED, "access_denied");
            grants.audit().record(AuditEvent.Type.CONSENT_DENIED, provider, consent.principal(), consent.scopes(),
                    consent.id(), "access_denied");
            log.info("consent {} denied by {} on the device page", consent.id(), consent.principal());
            return;
        }
        boolean expired = "expired_token".equals(error);
        reject(consent, expired ? Status.EXPIRED : Status.FAILED, expired ? ConsentFailedException.Reason.EXPIRED
                : ConsentFailedException.Reason.REJECTED, expired ? "the device code expired before the user approved"
                : "the provider refused the device code (" + error + ")", "");
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

    private ConsentCallbackResult rejectUnknown(Status status, String why, String userMessage) {
        log.warn("OAuth callback rejected: {}", why);
        grants.audit().record(AuditEvent.Type.CONSENT_REJECTED, null, null, null, null, why);
        return new ConsentCallbackResult(status, null, null, null, userMessage);
    }

    private ConsentCallbackResult reject(PendingConsent consent, Status status, ConsentFailedException.Reason reason,
                                         String why, String userMessage) {
        ProviderId provider = consent.key().provider();
        log.warn("OAuth callback for consent {} ({} for {}) rejected: {}", consent.id(), provider,
                consent.principal(), why);
        consents.failed(consent, new ConsentFailedException(consent.id(), reason, "consent " + consent.id() + " for "
                        + provider + " failed: " + why + "; request the token again", provider, consent.principal(),
                        null),
                reason == ConsentFailedException.Reason.EXPIRED ? ConsentOutcome.Status.EXPIRED
                        : ConsentOutcome.Status.REJECTED, why);
        grants.audit().record(AuditEvent.Type.CONSENT_REJECTED, provider, consent.principal(), consent.scopes(),
                consent.id(), why);
        return new ConsentCallbackResult(status, consent.id(), provider, consent.principal(), userMessage);
    }

    private static boolean sameEndpoint(URI callback, URI redirect) {
        return Objects.equals(callback.getScheme(), redirect.getScheme())
                && Objects.equals(callback.getHost(), redirect.getHost())
                && effectivePort(callback) == effectivePort(redirect)
                && Objects.equals(emptyToSlash(callback.getRawPath()), emptyToSlash(redirect.getRawPath()));
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static String emptyToSlash(String path) {
        return path == null || path.isEmpty() ? "/" : path;
    }
}
