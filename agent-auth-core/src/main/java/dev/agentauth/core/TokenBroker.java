package dev.agentauth.core;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Finds, obtains, refreshes and stores credentials for agents, on behalf of users or as themselves.
 *
 * <p><b>Thread-safety.</b> One broker serves the whole application; every method is safe to call from any number of
 * threads.
 *
 * <p><b>Blocking.</b> {@link #token} returns a cached, unexpired token without I/O and without taking a lock. When the
 * token is missing or stale it blocks on the token store and the provider's token endpoint (bounded by the configured
 * HTTP timeouts); concurrent callers for one grant share a single refresh (single flight), and with a store shared by
 * replicas ({@link dev.agentauth.core.store.TokenStore#withGrantLock}) one refresh across all of them.
 * {@link #awaitToken} also blocks until the user completes consent or the timeout passes. {@link #completeConsent}
 * blocks while it redeems the code.
 *
 * <p><b>Errors.</b> Every failure is an {@link AgentAuthException}: {@link ProviderUnavailableException} (retryable;
 * the grant was kept), {@link StoreUnavailableException} (retryable; the token store is unreachable),
 * {@link TokenRefusedException} (the provider said no), {@link ConsentRequiredException},
 * {@link ConsentFailedException}, {@link MissingCredentialException}, {@link ConfigurationException}. A revoked or
 * expired refresh token ({@code invalid_grant}) is not an error: the grant is removed and the answer is a new
 * {@link TokenResult.ConsentRequired}.
 */
public interface TokenBroker extends AutoCloseable {

    /** A builder for a broker. */
    static TokenBrokerBuilder builder() {
        return new TokenBrokerBuilder();
    }

    /**
     * A token satisfying {@code request}, or the consent the user must give first. Never waits for the user.
     *
     * @throws ProviderUnavailableException the provider is unreachable or answered garbage; retry later
     * @throws TokenRefusedException        the provider refused (e.g. {@code invalid_client})
     * @throws MissingCredentialException   an API-key provider has no key for the principal
     * @throws ConfigurationException       the provider is unknown or does not support the flow
     */
    TokenResult token(TokenRequest request);

    /** Like {@link #token}, but a needed consent is thrown as {@link ConsentRequiredException}. */
    default AccessToken tokenOrThrow(TokenRequest request) {
        TokenResult result = token(request);
        if (result instanceof TokenResult.Granted granted) {
            return granted.token();
        }
        throw new ConsentRequiredException(((TokenResult.ConsentRequired) result).consent());
    }

    /**
     * A token for {@code request}; if the user must consent first, tells {@code listener}, then blocks until the user
     * completes the consent or {@code timeout} passes.
     *
     * @throws ConsentRequiredException the user did not complete the consent in time; it stays valid until it expires
     * @throws ConsentFailedException   the user declined, or the consent expired or was rejected
     */
    AccessToken awaitToken(TokenRequest request, ConsentListener listener, Duration timeout);

    /** {@link #awaitToken(TokenRequest, ConsentListener, Duration)} with the listeners given to the builder. */
    AccessToken awaitToken(TokenRequest request, Duration timeout);

    /**
     * Completes with the token when the user finishes consent {@code id}; fails with {@link ConsentFailedException}
     * when the user declines, the consent expires, or it is unknown. Never blocks.
     */
    CompletableFuture<AccessToken> consentCompletion(ConsentId id);

    /**
     * The call approval {@code id} was for has taken the approved token ({@link Flow#USER_APPROVAL}): the broker removes
     * it from the store, where it was kept only for a replica waiting for the approval to read, and from its cache.
     * Call it on the replica that runs the call, once the token is in hand; a later {@link #consentCompletion} of this
     * approval on another replica then fails as {@code UNKNOWN}. Also sweeps what approvals no call collected (see
     * {@link dev.agentauth.core.store.TokenStore#purgeExpiredConsents}). An id of no approval, or one already
     * forgotten, changes nothing. Thread-safe; blocks on the store.
     *
     * @param id the approval's consent id ({@link ConsentRequirement#id()})
     * @since 0.3.0
     */
    default void forgetApproval(ConsentId id) {
    }

    /**
     * An OpenID CIBA ping notification (CIBA Core §10.2) the provider sent to the application's
     * {@link ProviderBuilder#backchannelNotificationEndpoint client notification endpoint}: the user answered an
     * approval, so the broker polls for it at once — on whichever replica finds it due, as every poll. The request's
     * bearer token is the {@code client_notification_token} the broker sent with that approval (only its digest is
     * stored), and its body names the approval's {@code auth_req_id}; anything else matches nothing. Answer the
     * provider with HTTP 204 when this returns {@code true}, else 401. Thread-safe; reads and writes the store.
     *
     * @param authorizationHeader the request's {@code Authorization} header, {@code Bearer} and the token
     * @param body                the request's JSON body
     * @return whether a pending approval of this broker's store matched (and is now due)
     * @since 0.3.0
     */
    default boolean backchannelNotification(String authorizationHeader, String body) {
        return false;
    }

    /**
     * Finishes a consent from the OAuth callback request the user's browser made to the application's redirect URI
     * (the full URI, with its query). Validates state (known, unused, unexpired), redirect URI and {@code iss}
     * (RFC 9207) before it redeems the code; anything else redeems nothing. Never throws for a bad callback: the result
     * says what happened, with a message for the browser.
     */
    ConsentCallbackResult completeConsent(URI callbackUri);

    /**
     * The user said "not now" in the application (a consent card's decline button) instead of at the provider:
     * consent {@code id} ends as declined, exactly as if the provider had answered {@code access_denied}. Its state
     * is spent (a later callback for it finds nothing), waiters here and on other replicas fail with
     * {@link ConsentFailedException} ({@code DENIED}), and a {@code CONSENT_DENIED} audit event is recorded.
     * Thread-safe; reads and writes the store.
     *
     * @param user the signed-in user declining; must be the consent's user
     * @return {@code false} when the consent had already ended (completed, declined, expired) or is unknown
     * @throws AgentAuthException the consent belongs to another user
     * @since 0.2.0
     */
    boolean declineConsent(ConsentId id, String user);

    /**
     * Like {@link #completeConsent(URI)}, and also checks that {@code signedInUser}, the user the application has
     * authenticated on this request, is the user the consent was started for.
     */
    ConsentCallbackResult completeConsent(URI callbackUri, String signedInUser);

    /**
     * Reports that an API rejected {@code rejected} (HTTP 401): refreshes once if the grant still holds that token
     * (single flight), otherwise returns the newer token another caller already obtained. Without a refresh token the
     * grant is removed and the answer is a consent requirement.
     */
    TokenResult reportRejected(TokenRequest request, AccessToken rejected);

    /**
     * Records that {@code token} was handed to {@code usedBy} (a tool, an MCP server) for {@code principal}: an
     * {@link AuditEvent.Type#TOKEN_USED} event to the audit listeners. No I/O beyond what the listeners do; never
     * throws for a listener's failure.
     */
    void recordUse(AccessToken token, Principal principal, String usedBy);

    /** Stores an API key for {@code principal} (the user's own key, or the agent's when the principal has no user). */
    void storeApiKey(ProviderId provider, Principal principal, boolean agentScoped, Secret key);

    /** The grants {@code user} holds, for a "connected accounts" page. Blocks on the store. */
    List<GrantInfo> grants(String user);

    /**
     * Disconnects {@code user} from {@code provider}: revokes at the provider when it has an RFC 7009 endpoint (a
     * failure there is logged, not thrown) and deletes the grants for every agent. Returns how many grants were removed.
     */
    int disconnect(ProviderId provider, String user);

    /** Disconnects {@code user} from every provider; how many grants were removed. */
    int disconnectAll(String user);

    /** The redirect URI consents use: the built-in loopback callback's, or the one configured. */
    Optional<URI> redirectUri();

    /** The provider with this id. @throws ConfigurationException when there is none */
    Provider provider(ProviderId id);

    /** Every configured provider, including those registered at run time. */
    Collection<Provider> providers();

    /**
     * Adds a provider at run time, e.g. one discovered for an MCP server through its protected resource metadata.
     * Thread-safe and idempotent: registering a provider equal to the registered one with the same id is a no-op and
     * returns the registered instance; a different provider under an existing id is refused. The provider's metadata
     * is discovered on first use, not here, so this never blocks on the network.
     *
     * @return the provider now registered under {@code provider.id()}
     * @throws ConfigurationException another provider with the same id is already registered
     * @since 0.1.0
     */
    Provider registerProvider(Provider provider);

    /**
     * The HTTP client every request of this broker goes through: token, discovery, revocation, and the MCP layer's
     * metadata, registration and probe requests. The one the builder was given ({@link TokenBrokerBuilder#httpClient}),
     * or the one it built. Thread-safe, shared; do not close it. To send requests the way the broker does (the read
     * timeout over the whole answer, a bounded body, the one resend on a closing keep-alive connection), use
     * {@link dev.agentauth.core.http.HttpTransport#of(TokenBroker)}.
     *
     * @since 0.2.0
     */
    java.net.http.HttpClient httpClient();

    /**
     * How long one request through {@link #httpClient()} may take once connected
     * ({@link TokenBrokerBuilder#readTimeout}); callers that build their own requests on that client apply it.
     *
     * @since 0.2.0
     */
    Duration httpTimeout();

    /**
     * Where consent interrupts of agents on this broker live: the token store itself when it is also an
     * {@link dev.agentauth.core.store.InterruptStore} (the in-memory, embedded and PostgreSQL stores are: same database,
     * same encryption, so replicas on one database share their interrupts), else an in-memory store of this broker.
     * Thread-safe; never {@code null}.
     *
     * @since 0.2.0
     */
    dev.agentauth.core.store.InterruptStore interruptStore();

    /**
     * Where agent-auth's other modules (the agent core, framework adapters, MCP) report observations, so they land where
     * this broker's do: Micrometer's when {@link TokenBrokerBuilder#observationRegistry} was given, else
     * {@link Telemetry#NONE}. The default reports nothing. Thread-safe; never blocks.
     *
     * @since 0.3.0
     */
    default Telemetry telemetry() {
        return Telemetry.NONE;
    }

    /** Stops the loopback callback server and closes the token store. Pending waits fail. */
    @Override
    void close();
}
