package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import java.time.Instant;

/**
 * How a user gives a consent: a consent channel. One small class per channel, named after what the user does —
 * {@link RedirectChannel} (authorization code with PKCE, RFC 6749 §4.1 and RFC 7636: a browser redirect, completed by
 * its callback) and {@link DeviceCodeChannel} (RFC 8628: a code typed on any device, completed by polling) — each
 * owning how a consent starts (what it asks the provider, what it stores), how it completes, and what the user is shown
 * (a {@link ConsentPrompt}). {@link ConsentChannels} picks one per request, as {@link GrantPolicies} picks a grant
 * policy; {@link Consents} keeps the books (waiters, one pending consent per grant, announcements) without knowing
 * which channel started a consent.
 *
 * <p>Every channel completes a consent the same way once something claims it: it is claimed from the store first
 * ({@link ConsentCompletion#claim}: one claimant at a time on every replica, so a replay finds nothing), then ended
 * through {@link ConsentCompletion} — grant, outcome and retirement in one write, kept and retried by
 * {@link ConsentEndings} when the store refuses it. What claims it is the channel's:
 * <ul>
 *   <li>an inbound request that the application hands to the broker — the redirect's callback
 *       ({@link RedirectChannel#complete});</li>
 *   <li>or polling, for a {@link Polled} channel: its consents are stored with a poll interval, and the
 *       {@link ConsentPoller} of whichever replica finds one due in the store claims it and asks the channel for one
 *       token request ({@link Polled#poll}).</li>
 * </ul>
 *
 * <p><b>The backchannel</b> (OpenID Client-Initiated Backchannel Authentication, CIBA Core 1.0, poll mode) is one more
 * {@link Polled} class, {@link BackchannelChannel}, listed first in {@link ConsentChannels}, for the approval of one
 * action ({@link dev.agentauth.core.Flow#USER_APPROVAL}): the user is named by {@code login_hint} (the application's
 * {@link dev.agentauth.core.ExpectedAccount} binding), the request carries a {@code binding_message} and RFC 9396
 * {@code authorization_details}, and its {@code auth_req_id} is kept like a device code. Its polls answer with RFC
 * 8628's error codes (CIBA §11), which {@link ConsentPoller} already acts on. Ping mode (§10.2: the provider's
 * notification, bearing the {@code client_notification_token}, making the consent due at once) and push mode are not
 * implemented.
 *
 * The store tells polled consents apart by their provider and, for a provider with two polled channels (a device code
 * and CIBA), by what the channel stored ({@link Polled#owns}: a backchannel consent has no page).
 *
 * <p>Implementations are thread-safe and keep no state per consent: what a consent needs lives in the store, so any
 * replica completes it. {@link #name} and {@link #serves} do no I/O; {@link #start} and {@link Polled#poll} block on
 * the provider and the store.
 */
interface ConsentChannel {

    /**
     * What a consent starts from.
     *
     * @param scopes the scopes to ask for (the union with what the user already granted)
     * @param id     the new consent's id
     * @param now    when it starts, by the broker's clock
     */
    record Start(TokenRequest request, ProviderClient client, GrantKey key, Scopes scopes, ConsentId id, Instant now) {
    }

    /** A consent the channel started and stored, and what its user is shown. */
    record Started(PendingConsent consent, ConsentPrompt prompt) {
    }

    /**
     * How audit events, observations ({@code flow}) and logs name this channel's consents, and the grant its tokens
     * are issued by: {@code authorization_code}, {@code device_code}.
     */
    String name();

    /**
     * Whether {@code request}'s user consents at {@code provider} through this channel. {@link ConsentChannels} asks
     * the channels in order and takes the first; the last, the redirect, serves every request.
     */
    boolean serves(TokenRequest request, Provider provider);

    /**
     * Starts a consent: asks the provider what this channel needs, stores the {@link PendingConsent}
     * ({@link dev.agentauth.core.store.TokenStore#saveConsent}) and returns it with the user's prompt. Every URL from
     * the provider in the prompt has passed {@link dev.agentauth.core.ConsentRequirement#isSafeToShow}: one that does
     * not is a {@link dev.agentauth.core.ProviderUnavailableException} naming the field, and nothing is stored. A
     * broker that lacks what the channel needs (a redirect URI) gets a
     * {@link dev.agentauth.core.ConfigurationException} saying what to configure.
     */
    Started start(Start start);

    /**
     * A channel completed by polling the provider's token endpoint (RFC 8628 §3.4–3.5; CIBA §10.1, §11): its
     * consents carry a {@linkplain PendingConsent#pollInterval() poll interval}, and the {@link ConsentPoller} claims
     * them when due and calls {@link #poll}.
     */
    interface Polled extends ConsentChannel {

        /**
         * Whether consents of {@code provider} may be polled by this channel: the broker's {@link ConsentPoller} runs
         * while it knows such a provider (from its start, and from {@code registerProvider}).
         */
        boolean polls(Provider provider);

        /**
         * Whether {@code consent}, stored for a provider this channel polls, is one this channel started: a provider
         * may offer two polled channels (a device code for consents, CIBA for approvals). By default every one.
         */
        default boolean owns(PendingConsent consent) {
            return true;
        }

        /**
         * One token request for {@code consent}, which the caller has claimed, answered unparsed: pending,
         * {@code slow_down} and the ends are read by the poller. Blocks on HTTP.
         */
        HTTPResponse poll(ProviderClient client, PendingConsent consent);

        /**
         * What of the tokens a completed consent issued is kept: by default all of them. An approval of one action
         * keeps no refresh token — it must not outlive the action.
         */
        default IssuedTokens kept(IssuedTokens issued) {
            return issued;
        }

        /**
         * {@code consent} (claimed) ended without tokens: {@code error} is {@code access_denied} (the user said no),
         * {@code expired_token} (the code expired, or its lifetime passed), or another OAuth error the provider sent.
         * Ends it through {@link ConsentCompletion}, in this channel's words for the user.
         */
        void ended(PendingConsent consent, String error);
    }
}
