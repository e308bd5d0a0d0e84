package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ciba.CIBAPingCallback;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentCallbackResult.Status;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backchannel: OpenID Client-Initiated Backchannel Authentication (CIBA Core 1.0, poll mode) with RFC 9396
 * authorization details, for the approval of one action ({@link Flow#USER_APPROVAL}) at a provider built with
 * {@code backchannelAuthentication(true)}. The provider asks the user on their own device; nothing is opened here.
 *
 * <p><b>Start</b> (§7.1–7.3): the authentication request names the user by {@code login_hint} — the application's
 * {@link dev.agentauth.core.ExpectedAccount} binding, since CIBA has no sign-in page where the user could say who they
 * are, and the app's user name is not the provider's — and carries the {@code binding_message} and the
 * {@code authorization_details}. Its {@code auth_req_id} is a credential kept like a device code: in
 * {@link PendingConsent#codeVerifier()} (sealed at rest by durable stores), with the provider's {@code interval} as the
 * poll interval and {@code expires_in} as the expiry, under a random state digest; the consent's redirect URI is
 * {@link ConsentPrompt.Backchannel#NO_PAGE}, which tells its polls from a device code's. So any replica polls it.
 *
 * <p><b>Completion: polling</b> (§10.1, §11), by the {@link ConsentPoller}: {@code authorization_pending},
 * {@code slow_down}, {@code access_denied} and {@code expired_token} are RFC 8628's codes, acted on as for a device
 * code. The tokens are checked against the expected account like every consent's (the ID token names who approved).
 *
 * <p>Thread-safe; {@link #start} and {@link #poll} block on the provider, {@link #start} on the store too.
 */
final class BackchannelChannel implements ConsentChannel.Polled {

    private final TokenStore store;
    private final ConsentCompletion completion;
    private final ConsentSecrets secrets;
    private final AccountBinding accounts;
    private final Clock clock;
    /** How long one notification holds its approval: a claim and a release, no HTTP. */
    private final Duration notificationLease = Duration.ofSeconds(10);
    private final BackchannelAuthenticationGrantFlow ciba = new BackchannelAuthenticationGrantFlow();

    BackchannelChannel(TokenStore store, ConsentCompletion completion, ConsentSecrets secrets,
                       AccountBinding accounts, Clock clock) {
        this.store = store;
        this.completion = completion;
        this.secrets = secrets;
        this.accounts = accounts;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "ciba";
    }

    @Override
    public boolean serves(TokenRequest request, Provider provider) {
        return request.flow() == Flow.USER_APPROVAL;
    }

    @Override
    public boolean polls(Provider provider) {
        return provider.backchannelAuthentication();
    }

    @Override
    public boolean owns(PendingConsent consent) {
        return ConsentPrompt.Backchannel.NO_PAGE.equals(consent.redirectUri());
    }

    @Override
    public Started start(Start s) {
        TokenRequest request = s.request();
        String loginHint = accounts.of(request.principal(), request.provider());
        if (loginHint == null) {
            throw new ConfigurationException("provider '" + request.provider() + "': an approval through OpenID CIBA"
                    + " must name " + request.principal().user() + " to the provider (login_hint), and no account"
                    + " is bound to this user; set TokenBrokerBuilder.expectedAccount(...)", request.provider(),
                    null);
        }
        // Ping mode (§10.2): the notification bears this token, and the consent is found by its digest — the state
        // digest, random as a device code's, so nothing else is stored and nothing can be guessed from it.
        String notificationToken = s.client().provider().backchannelNotificationEndpoint().isPresent()
                ? secrets.next(32) : null;
        BackchannelAuthenticationGrantFlow.Started started = ciba.start(s.client(), s.scopes(), request.principal(),
                loginHint, request.approval(), notificationToken);
        // Polled every interval in poll mode; in ping mode only as a fallback for a lost notification, rarely: a
        // poll within the provider's interval before the notified one would be answered slow_down.
        Duration pollEvery = notificationToken == null ? started.interval()
                : max(started.interval(), min(started.lifetime().dividedBy(2), PING_FALLBACK));
        PendingConsent consent = new PendingConsent(s.id(), ConsentSecrets.digest(notificationToken != null
                ? notificationToken : secrets.next(32)), s.key(), request.principal(), s.scopes(),
                started.authRequestId(), ConsentPrompt.Backchannel.NO_PAGE, s.now(), s.now().plus(started.lifetime()),
                pollEvery);
        store.saveConsent(consent);
        return new Started(consent, new ConsentPrompt.Backchannel(request.approval(), started.interval()));
    }

    /** In ping mode, how often an approval is polled at most without a notification. */
    static final Duration PING_FALLBACK = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(BackchannelChannel.class);
    private static final URI NOTIFICATION_URI = URI.create("https://client.invalid/backchannel-notification");

    /**
     * A ping notification request as the client notification endpoint received it: its {@code Authorization} header
     * and JSON body, read with Nimbus (CIBA Core §10.2: a bearer token and {@code {"auth_req_id": ...}}; the
     * endpoint's URL plays no part). {@code false} when it is no CIBA ping or names no approval of this broker.
     */
    boolean notification(String authorizationHeader, String body) {
        if (authorizationHeader == null || body == null) {
            return false;
        }
        CIBAPingCallback ping;
        try {
            HTTPRequest request = new HTTPRequest(HTTPRequest.Method.POST, NOTIFICATION_URI);
            request.setAuthorization(authorizationHeader);
            request.setContentType("application/json");
            request.setBody(body);
            ping = CIBAPingCallback.parse(request);
        } catch (ParseException | IllegalArgumentException e) {
            log.debug("a backchannel notification was not a CIBA ping ({})", e.getClass().getSimpleName());
            return false;
        }
        return notified(ping.getAccessToken().getValue(), ping.getAuthRequestID().getValue());
    }

    /**
     * A ping notification (§10.2): the approval whose {@code client_notification_token} this is, and whose
     * {@code auth_req_id} the notification names, is due for a poll now. The consent is claimed and released due at
     * once, so the poller of whichever replica scans next polls it; a consent the poller holds right now is being
     * polled anyway. {@code false} when nothing matches.
     */
    boolean notified(String notificationToken, String authRequestId) {
        PendingConsent consent = completion.claim(ConsentSecrets.digest(notificationToken), notificationLease)
                .orElse(null);
        if (consent == null) {
            return false;
        }
        boolean named = owns(consent) && MessageDigest.isEqual(
                consent.codeVerifier().getBytes(StandardCharsets.UTF_8),
                authRequestId.getBytes(StandardCharsets.UTF_8));
        Instant now = clock.instant();
        completion.release(consent, named ? now : now.plus(consent.pollInterval()), consent.pollInterval());
        return named;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** §10.1: the token request with the {@code auth_req_id}. */
    @Override
    public HTTPResponse poll(ProviderClient client, PendingConsent consent) {
        return ciba.poll(client, consent.codeVerifier(), consent.principal());
    }

    /**
     * The approved token serves one action: its refresh token (CIBA issues one like any grant) is dropped, so nothing
     * can renew the approval for another action.
     */
    @Override
    public IssuedTokens kept(IssuedTokens issued) {
        return new IssuedTokens(issued.accessToken(), issued.tokenType(), null, issued.expiresInSeconds(),
                issued.scope(), issued.idToken());
    }

    /** §11: {@code access_denied} is the user's no; {@code expired_token}, or another error, ends it as refused. */
    @Override
    public void ended(PendingConsent consent, String error) {
        if ("access_denied".equals(error)) {
            completion.deny(consent, "access_denied", "access_denied", consent.principal() + " declined the action"
                    + " on their device");
            return;
        }
        boolean expired = "expired_token".equals(error);
        completion.reject(consent, expired ? Status.EXPIRED : Status.FAILED, expired
                        ? ConsentFailedException.Reason.EXPIRED : ConsentFailedException.Reason.REJECTED,
                expired ? "the approval request expired before the user answered on their device"
                        : "the provider refused the approval request (" + error + ")", "");
    }
}
