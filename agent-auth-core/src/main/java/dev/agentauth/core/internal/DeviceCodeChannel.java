package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.ConsentCallbackResult.Status;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.TokenStore;
import java.time.Duration;

/**
 * The device code: the device authorization grant (RFC 8628), for a provider built with
 * {@code deviceAuthorization(true)}. The user opens a verification page on any device and types a code; no browser
 * here, no redirect URI.
 *
 * <p><b>Start</b> (§3.1–3.2): the device authorization endpoint is asked for a device code and a user code. The
 * consent is stored like a redirect's, the device code in place of the PKCE verifier (sealed by durable stores), the
 * verification URI in place of the redirect URI, a random state digest as its key, and the provider's polling interval
 * — so that it is due for its first poll one interval later, on whichever replica finds it. The prompt is the user code
 * and the verification URIs, which passed {@link dev.agentauth.core.ConsentRequirement#isSafeToShow} (§3.3: the user
 * is sent there).
 *
 * <p><b>Completion: polling</b> (§3.4–3.5), by the {@link ConsentPoller}: one token request per due poll
 * ({@link #poll}), until the user approves, declines ({@link #ended}), or the device code expires.
 *
 * <p>Thread-safe; {@link #start} and {@link #poll} block on the provider, {@link #start} on the store too.
 */
final class DeviceCodeChannel implements ConsentChannel.Polled {

    private final TokenStore store;
    private final ConsentCompletion completion;
    private final ConsentSecrets secrets;
    /** How long a consent lasts when the provider does not say how long its device code does. */
    private final Duration ttl;
    private final DeviceAuthorizationGrantFlow deviceAuthorization = new DeviceAuthorizationGrantFlow();

    DeviceCodeChannel(TokenStore store, ConsentCompletion completion, ConsentSecrets secrets, Duration ttl) {
        this.store = store;
        this.completion = completion;
        this.secrets = secrets;
        this.ttl = ttl;
    }

    @Override
    public String name() {
        return "device_code";
    }

    @Override
    public boolean serves(TokenRequest request, Provider provider) {
        return provider.deviceAuthorization();
    }

    @Override
    public boolean polls(Provider provider) {
        return provider.deviceAuthorization();
    }

    /** Not an approval's ({@link BackchannelChannel}): those are stored without a page. */
    @Override
    public boolean owns(PendingConsent consent) {
        return !ConsentPrompt.Backchannel.NO_PAGE.equals(consent.redirectUri());
    }

    @Override
    public Started start(Start s) {
        DeviceAuthorizationGrantFlow.Started started = deviceAuthorization.start(s.client(), s.scopes(),
                s.request().principal());
        Duration interval = started.interval();
        PendingConsent consent = new PendingConsent(s.id(), ConsentSecrets.digest(secrets.next(32)), s.key(),
                s.request().principal(), s.scopes(), started.deviceCode(), started.verificationUri(), s.now(),
                s.now().plus(started.lifetime() != null ? started.lifetime() : ttl), interval);
        store.saveConsent(consent);
        return new Started(consent, new ConsentPrompt.DeviceCode(started.userCode(), started.verificationUri(),
                started.verificationUriComplete(), interval));
    }

    /** §3.4: the token request with the device code. */
    @Override
    public HTTPResponse poll(ProviderClient client, PendingConsent consent) {
        return deviceAuthorization.poll(client, consent.codeVerifier(), consent.principal());
    }

    /** §3.5: {@code access_denied} is the user's no; {@code expired_token}, or another error, ends it as refused. */
    @Override
    public void ended(PendingConsent consent, String error) {
        if ("access_denied".equals(error)) {
            completion.deny(consent, "access_denied", "access_denied", consent.principal() + " declined to connect "
                    + consent.key().provider() + " on the device page");
            return;
        }
        boolean expired = "expired_token".equals(error);
        completion.reject(consent, expired ? Status.EXPIRED : Status.FAILED, expired
                        ? ConsentFailedException.Reason.EXPIRED : ConsentFailedException.Reason.REJECTED,
                expired ? "the device code expired before the user approved"
                        : "the provider refused the device code (" + error + ")", "");
    }
}
