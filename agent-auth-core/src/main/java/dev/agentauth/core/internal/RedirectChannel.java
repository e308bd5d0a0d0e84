package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.ConsentCallbackResult.Status;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.Provider;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.store.PendingConsent;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser redirect: authorization code with PKCE (RFC 6749 §4.1, RFC 7636). The default channel, for every
 * provider no other channel serves; it needs a redirect URI (the application's, or the loopback callback's).
 *
 * <p><b>Start.</b> A random {@code state} (stored only as its digest) and PKCE verifier are bound to the consent's
 * user, agent, provider, scopes and redirect URI in a {@link PendingConsent}; the prompt is the authorization URL.
 *
 * <p><b>Completion: the callback</b> ({@link #complete}). It validates what the browser brought back, in an order
 * where nothing is redeemed before every check passed: the response parses; it carries a state; the state is known and
 * unused (the consent is claimed from the store: single use, so a replay finds nothing); the provider is still
 * configured; the consent has not expired; the callback arrived at the redirect URI the request named (RFC 6749
 * §4.1.3); the signed-in user, when the application says who it is, is the consent's user (a consent link forwarded to
 * another user is refused); {@code iss} is the provider's issuer (RFC 9207 §2.4: mix-up attacks send another one).
 * Then the code is redeemed and the consent ends through {@link ConsentCompletion}. Never throws for a bad callback:
 * the result says what happened, in words for the browser.
 *
 * <p>Thread-safe; {@link #start} blocks on the store, {@link #complete} on the store and the provider.
 */
final class RedirectChannel implements ConsentChannel {

    private static final Logger log = LoggerFactory.getLogger(RedirectChannel.class);

    private final GrantKeeper grants;
    private final ProviderRegistry providers;
    private final ConsentCompletion completion;
    private final ConsentSecrets secrets;
    private final Duration ttl;
    private final URI redirectUri;
    private final AccountBinding accounts;
    /** How long a callback holds its consent: past it (its replica died), a retry of the callback may take over. */
    private final Duration claimLease;
    private final AuthorizationCodeGrantFlow authorizationCode = new AuthorizationCodeGrantFlow();

    RedirectChannel(GrantKeeper grants, ProviderRegistry providers, ConsentCompletion completion,
                    ConsentSecrets secrets, Duration ttl, URI redirectUri, AccountBinding accounts,
                    Duration claimLease) {
        this.grants = grants;
        this.providers = providers;
        this.completion = completion;
        this.secrets = secrets;
        this.ttl = ttl;
        this.redirectUri = redirectUri;
        this.accounts = accounts;
        this.claimLease = claimLease;
    }

    @Override
    public String name() {
        return "authorization_code";
    }

    /** Every request: the redirect is the default channel. */
    @Override
    public boolean serves(TokenRequest request, Provider provider) {
        return true;
    }

    @Override
    public Started start(Start s) {
        ProviderClient client = s.client();
        if (redirectUri == null) {
            throw new ConfigurationException("provider '" + client.id() + "': user consent needs a redirect URI: configure"
                    + " TokenBroker.builder().redirectUri(...) or .loopbackCallback(), or let the provider use the"
                    + " device authorization grant (ProviderBuilder.deviceAuthorization(true))", client.id(), null);
        }
        // RFC 6749 §10.12 / RFC 9700 §4.7: state is unguessable and single use; only its digest is stored.
        State state = new State(secrets.next(32));
        String verifier = client.provider().pkce() ? secrets.next(32) : null;
        URI authorizationUri = authorizationCode.authorizationUri(client, s.scopes(), state,
                verifier != null ? new CodeVerifier(verifier) : null, redirectUri,
                accounts.of(s.request().principal(), client.id()), s.request().principal());
        PendingConsent consent = new PendingConsent(s.id(), ConsentSecrets.digest(state.getValue()), s.key(),
                s.request().principal(), s.scopes(), verifier, redirectUri, s.now(), s.now().plus(ttl));
        grants.store().saveConsent(consent);
        return new Started(consent, new ConsentPrompt.Redirect(authorizationUri));
    }

    /** The callback at {@code callbackUri}; {@code signedInUser}, when not {@code null}, must be the consent's user. */
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
        String digest = ConsentSecrets.digest(state.getValue());
        ConsentEndings endings = completion.endings();
        ConsentEndings.Ending done = endings.completed(digest).orElse(null);
        if (done != null) {
            return completion.completed(done.consent(), done.client()); // a reload of a callback completed here
        }
        ConsentEndings.Ending kept = endings.unsaved(digest).orElse(null);
        if (kept != null) {
            // The same callback again, after the store refused its ending: store it now if the store is back.
            return endings.retry(kept) ? completion.completed(kept.consent(), kept.client())
                    : completion.savePending(kept.consent(), kept.client());
        }
        // Single use: the consent is claimed before anything else is checked, so a replay (on any replica) finds
        // nothing; it stays stored until it is retired together with what it produced.
        PendingConsent consent;
        try {
            consent = completion.claim(digest, claimLease).orElse(null);
        } catch (StoreIntegrityException e) {
            return rejectUnknown(Status.UNKNOWN_STATE, "the stored consent failed its integrity check",
                    "This sign-in link can no longer be used. Return to the agent and start again.");
        }
        if (consent == null) {
            return rejectUnknown(Status.UNKNOWN_STATE, "unknown, already used or in-flight state",
                    "This sign-in link is unknown, was already used, or is being completed in another window."
                            + " Return to the agent: if it is connected, you are done; otherwise start again.");
        }
        completion.taken(consent);
        ProviderClient client = providers.find(consent.key().provider());
        if (client == null) {
            return completion.reject(consent, Status.FAILED, ConsentFailedException.Reason.REJECTED,
                    "provider no longer configured", "This sign-in is for a provider the agent no longer knows.");
        }
        String display = client.provider().displayName();
        if (grants.clock().instant().isAfter(consent.expiresAt())) {
            return completion.reject(consent, Status.EXPIRED, ConsentFailedException.Reason.EXPIRED,
                    "consent expired", "This sign-in request to " + display + " expired. Return to the agent and"
                            + " try again.");
        }
        if (!sameEndpoint(callbackUri, consent.redirectUri())) {
            return completion.reject(consent, Status.REDIRECT_MISMATCH, ConsentFailedException.Reason.REJECTED,
                    "callback at another redirect URI",
                    "This sign-in response arrived at the wrong address. Return to the agent and try again.");
        }
        if (signedInUser != null && !signedInUser.equals(consent.principal().user())) {
            return completion.reject(consent, Status.USER_MISMATCH, ConsentFailedException.Reason.REJECTED,
                    "signed-in user differs from the consent's user",
                    "This sign-in was started by another user, and its link is now used up. Sign in to the"
                            + " agent as yourself and ask again for a new link.");
        }
        Endpoints endpoints = client.endpoints();
        String iss = response.getIssuer() != null ? response.getIssuer().getValue() : null;
        if (iss != null && endpoints.issuer() != null && !iss.equals(endpoints.issuer().toString())) {
            return completion.reject(consent, Status.ISSUER_MISMATCH, ConsentFailedException.Reason.REJECTED,
                    "iss does not match the provider's issuer",
                    "This sign-in response came from an unexpected issuer and was refused.");
        }
        if (iss == null && endpoints.issuerParameterRequired()) {
            return completion.reject(consent, Status.ISSUER_MISMATCH, ConsentFailedException.Reason.REJECTED,
                    "iss missing although the provider sends it",
                    "This sign-in response lacks its issuer and was refused.");
        }
        if (response instanceof AuthorizationErrorResponse error) {
            // RFC 6749 §4.1.2.1: the user (or the provider) said no.
            String code = error.getErrorObject() != null ? error.getErrorObject().getCode() : "error";
            completion.deny(consent, code, code, consent.principal() + " did not authorize " + client.id() + " ("
                    + code + ")");
            return new ConsentCallbackResult(Status.DENIED, consent.id(), client.id(), consent.principal(),
                    "You did not authorize " + display + ". The agent was told; you can close this window.");
        }
        AuthorizationSuccessResponse success = (AuthorizationSuccessResponse) response;
        if (success.getAuthorizationCode() == null) {
            return completion.reject(consent, Status.FAILED, ConsentFailedException.Reason.REJECTED,
                    "callback without code",
                    "The sign-in response carries no authorization code. Return to the agent and try again.");
        }
        return redeem(consent, client, success.getAuthorizationCode().getValue());
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
                completion.release(consent, null, null);
                log.warn("consent {}: provider {} is unreachable; the callback can be retried: {}", consent.id(),
                        client.id(), e.getMessage());
                return new ConsentCallbackResult(Status.PROVIDER_UNAVAILABLE, consent.id(), client.id(),
                        consent.principal(), display + " could not be reached to finish the sign-in. Reload this"
                                + " page in a moment to try again.");
            }
            log.warn("consent {}: provider {} did not redeem the code: {}", consent.id(), client.id(), e.getMessage());
            String detail = e.oauthError() != null ? e.oauthError() : "code redemption failed";
            completion.fail(consent, e, detail);
            return new ConsentCallbackResult(Status.FAILED, consent.id(), client.id(), consent.principal(),
                    display + " did not complete the sign-in. Return to the agent and try again.");
        }
        return completion.completeWith(consent, client, issued, name());
    }

    private ConsentCallbackResult rejectUnknown(Status status, String why, String userMessage) {
        log.warn("OAuth callback rejected: {}", why);
        grants.audit().record(AuditEvent.Type.CONSENT_REJECTED, null, null, null, null, why);
        return new ConsentCallbackResult(status, null, null, null, userMessage);
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
