package dev.agentauth.core.internal;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.ConsentRequiredException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.GrantInfo;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Secret;
import dev.agentauth.core.Telemetry;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token broker: a facade over its parts. See {@link TokenBroker} for the contract.
 *
 * <p>Fast path: the request's {@link GrantPolicy} names its key, the {@link GrantCache} answers with an immutable
 * entry and a clock read; no lock, no I/O. A stale entry is served too, and {@link BackgroundRenewal} renews it. Everything else is the policy's ({@link GrantPolicy#obtain},
 * {@link GrantPolicy#rejected}), run in a single flight per grant key. Consents are {@link Consents} (the books), the
 * {@link ConsentChannel}s that {@link ConsentChannels} picks per provider (a redirect completed by its callback, a
 * device code completed by the {@link ConsentPoller}) and {@link ConsentCompletion}; a user's grants are
 * {@link GrantAdministration}. Nothing here depends on the flow or the channel.
 */
public final class DefaultTokenBroker implements TokenBroker {

    private static final Logger log = LoggerFactory.getLogger(DefaultTokenBroker.class);

    private final BrokerSettings settings;
    private final TokenStore store;
    private final dev.agentauth.core.store.InterruptStore interrupts;
    private final Telemetry telemetry;
    private final ConsentPoller poller;
    private final ProviderRegistry providers;
    private final GrantCache cache;
    private final BackgroundRenewal renewal;
    private final GrantKeeper grants;
    private final GrantPolicies policies;
    private final ApiKeyPolicy apiKeys;
    private final Consents consents;
    private final ConsentChannels channels;
    private final BackchannelChannel backchannel;
    private final RedirectChannel redirect;
    private final ConsentCompletion completion;
    private final URI redirectUri;
    private final GrantAdministration administration;
    private final LoopbackCallbackServer loopback;

    private DefaultTokenBroker(BrokerSettings settings) {
        this.settings = settings;
        this.store = settings.store();
        this.interrupts = store instanceof dev.agentauth.core.store.InterruptStore shared ? shared
                : dev.agentauth.core.store.InterruptStore.inMemory();
        DpopKeys dpop = new DpopKeys(store, settings.clock());
        this.providers = new ProviderRegistry(settings.providers(), settings.http(), settings.clock(), dpop,
                settings.telemetry());
        this.telemetry = settings.telemetry();
        this.cache = new GrantCache(settings.clockSkew().toMillis(), settings.refreshAhead().toMillis(),
                settings.cacheMaximumSize(), dpop);
        this.renewal = new BackgroundRenewal(settings.refreshExecutor(), settings.clock());
        AuditTrail audit = new AuditTrail(settings.auditListeners(), settings.consentListeners(), settings.clock());
        this.grants = new GrantKeeper(store, cache, audit, settings.clock());
        GrantFlights flights = new GrantFlights(store);
        this.loopback = settings.loopbackPort() != null
                ? LoopbackCallbackServer.start(settings.loopbackPort(), settings.loopbackPath(), this) : null;
        ConsentSecrets secrets = new ConsentSecrets(settings.random());
        this.consents = new Consents(grants, settings.consentTtl(), secrets, settings.telemetry());
        this.redirectUri = loopback != null ? loopback.redirectUri() : settings.redirectUri();
        AccountBinding accounts = new AccountBinding(settings.expectedAccount());
        Duration requestBound = settings.http().readTimeout();
        Duration callbackLease = requestBound.multipliedBy(2).plusSeconds(5); // twice a redemption's HTTP bound, and a margin
        this.completion = new ConsentCompletion(grants, consents, accounts, callbackLease);
        this.redirect = new RedirectChannel(grants, providers, completion, secrets, settings.consentTtl(),
                redirectUri, accounts, callbackLease);
        // In order: the first that serves a request's provider is its channel; the redirect serves every one.
        this.backchannel = new BackchannelChannel(store, completion, secrets, accounts, settings.clock());
        this.channels = new ConsentChannels(List.of(
                backchannel,
                new DeviceCodeChannel(store, completion, secrets, settings.consentTtl()),
                redirect));
        this.poller = new ConsentPoller(store, settings.clock(), providers, channels, completion, settings.telemetry(),
                requestBound.plusSeconds(5));
        if (settings.providers().stream().anyMatch(channels::polls)) {
            poller.start(); // polled consents another replica (or this process before a restart) started
        }
        this.administration = new GrantAdministration(providers, grants);
        this.apiKeys = new ApiKeyPolicy(grants);
        this.policies = new GrantPolicies(List.of(
                new UserConsentPolicy(grants, flights, consents, channels),
                new UserApprovalPolicy(consents, channels, secrets),
                new ClientCredentialsPolicy(grants, flights),
                apiKeys,
                new ServiceAccountPolicy.JwtBearer(grants, flights),
                new ServiceAccountPolicy.IdToken(grants, flights),
                new ServiceAccountPolicy.SelfSignedJwt(grants, flights),
                new TokenExchangePolicy(grants, flights, this),
                new WorkloadIdentityPolicy(grants, flights),
                new IdentityAssertionPolicy(grants, flights, providers)));
    }

    /** Builds and starts a broker. */
    public static DefaultTokenBroker start(BrokerSettings settings) {
        DefaultTokenBroker broker = new DefaultTokenBroker(settings);
        if (settings.eagerDiscovery()) {
            try {
                broker.providers.discoverAll();
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
        }
        log.info("token broker started: {} provider(s), redirect URI {}", broker.providers.ids().size(),
                broker.redirectUri == null ? "none (consent by redirect disabled)" : broker.redirectUri);
        return broker;
    }

    // ---------------------------------------------------------------------------------------------- token requests

    private final RequestSlots slots = new RequestSlots();

    @Override
    public TokenResult token(TokenRequest request) {
        GrantCache.Entry e = slots.entry(request);
        if (e != null) {
            long now = settings.clock().millis();
            // Fresh; or stale but valid with nothing for this caller to do (its renewal already runs).
            if (now < e.staleAtMillis || (now < e.expiredAtMillis && e.nothingToRenew())) {
                return e.result;
            }
        }
        return tokenByKey(request);
    }

    private TokenResult tokenByKey(TokenRequest request) {
        ProviderClient client = providers.client(request.provider());
        GrantPolicy policy = policies.of(request.flow());
        if (!request.forceConsent()) {
            GrantKey key = policies.key(policy, request, client.provider());
            GrantCache.Entry cached = cache.entry(key, request, client.provider());
            if (cached != null) {
                long now = settings.clock().millis();
                if (now < cached.staleAtMillis) {
                    slots.remember(request, cached);
                    return cached.result;
                }
                if (now < cached.expiredAtMillis) {
                    // Stale but valid: served at once; one background renewal replaces it, where one can.
                    if (cached.renewable) {
                        renewal.staleEntry(cached, now, policy, request, client, key);
                    }
                    return cached.result;
                }
            }
        }
        policy.check(request, client.provider());
        return policy.obtain(request, client, policies.key(policy, request, client.provider()));
    }

    @Override
    public TokenResult reportRejected(TokenRequest request, AccessToken rejected) {
        ProviderClient client = providers.client(request.provider());
        GrantPolicy policy = policies.of(request.flow());
        policy.check(request, client.provider());
        return policy.rejected(request, client, policies.key(policy, request, client.provider()), rejected);
    }

    // ---------------------------------------------------------------------------------------------------- consent

    @Override
    public boolean backchannelNotification(String authorizationHeader, String body) {
        return backchannel.notification(authorizationHeader, body);
    }

    @Override
    public void forgetApproval(ConsentId id) {
        Objects.requireNonNull(id, "id");
        store.findConsentOutcome(id).filter(o -> o.key().flow() == Flow.USER_APPROVAL)
                .ifPresent(o -> grants.release(o.key()));
        store.purgeExpiredConsents(settings.clock().instant());
    }

    @Override
    public CompletableFuture<AccessToken> consentCompletion(ConsentId id) {
        return consents.completion(id);
    }

    @Override
    public AccessToken awaitToken(TokenRequest request, Duration timeout) {
        return awaitToken(request, null, timeout);
    }

    @Override
    public AccessToken awaitToken(TokenRequest request, ConsentListener listener, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        TokenResult result = token(request);
        if (result instanceof TokenResult.Granted granted) {
            return granted.token();
        }
        ConsentRequirement consent = ((TokenResult.ConsentRequired) result).consent();
        if (listener != null) {
            AuditTrail.notify(listener, consent);
        }
        try {
            return consents.completion(consent.id()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ConsentRequiredException(consent, consent.principal() + " did not authorize " + consent.provider()
                    + " within " + timeout + "; consent " + consent.id() + " stays open until "
                    + consent.expiresAt() + ": show the URL again or retry");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AgentAuthException ae) {
                throw ae;
            }
            throw new AgentAuthException("waiting for consent " + consent.id() + " failed: "
                    + e.getCause().getClass().getSimpleName(), consent.provider(), consent.principal(), null, false,
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentAuthException("interrupted while waiting for " + consent.principal() + " to authorize "
                    + consent.provider(), consent.provider(), consent.principal());
        }
    }

    @Override
    public ConsentCallbackResult completeConsent(URI callbackUri) {
        return completeConsent(callbackUri, null);
    }

    @Override
    public ConsentCallbackResult completeConsent(URI callbackUri, String signedInUser) {
        Telemetry.Span span = telemetry.start("agentauth.consent.complete");
        try {
            ConsentCallbackResult result = redirect.complete(callbackUri, signedInUser);
            span.tag("provider", result.provider() == null ? "unknown" : result.provider().value())
                    .tag("outcome", result.status().name().toLowerCase(java.util.Locale.ROOT));
            return result;
        } catch (RuntimeException e) {
            span.tag("provider", "unknown").tag("outcome", "error").error(e);
            throw e;
        } finally {
            span.stop();
        }
    }

    @Override
    public boolean declineConsent(ConsentId id, String user) {
        Telemetry.Span span = telemetry.start("agentauth.consent.complete").tag("outcome", "declined");
        if (telemetry != Telemetry.NONE) {
            span.tag("provider", store.findConsent(id).map(c -> c.key().provider().value()).orElse("unknown"));
        }
        try {
            return completion.decline(id, user);
        } catch (RuntimeException e) {
            span.error(e);
            throw e;
        } finally {
            span.stop();
        }
    }

    @Override
    public Telemetry telemetry() {
        return telemetry;
    }

    // ------------------------------------------------------------------------------------------- grant management

    @Override
    public void recordUse(AccessToken token, Principal principal, String usedBy) {
        grants.audit().record(AuditEvent.Type.TOKEN_USED, token.provider(), principal, token.scopes(), null, usedBy);
    }

    @Override
    public void storeApiKey(ProviderId provider, Principal principal, boolean agentScoped, Secret key) {
        if (providers.client(provider).provider().kind() != Provider.Kind.API_KEY) {
            throw new ConfigurationException("provider '" + provider + "' is not an API-key provider", provider, null);
        }
        apiKeys.store(provider, principal, agentScoped, key);
    }

    @Override
    public List<GrantInfo> grants(String user) {
        return administration.grants(Objects.requireNonNull(user, "user"));
    }

    @Override
    public int disconnect(ProviderId provider, String user) {
        return administration.disconnect(Objects.requireNonNull(provider, "provider"),
                Objects.requireNonNull(user, "user"));
    }

    @Override
    public int disconnectAll(String user) {
        return administration.disconnectAll(Objects.requireNonNull(user, "user"));
    }

    // ------------------------------------------------------------------------------------------------- the rest

    @Override
    public Optional<URI> redirectUri() {
        return Optional.ofNullable(redirectUri);
    }

    @Override
    public Provider provider(ProviderId id) {
        return providers.client(id).provider();
    }

    @Override
    public Collection<Provider> providers() {
        return providers.providers();
    }

    @Override
    public Provider registerProvider(Provider provider) {
        Provider registered = providers.register(Objects.requireNonNull(provider, "provider"));
        if (channels.polls(registered)) {
            poller.start();
        }
        return registered;
    }

    @Override
    public HttpClient httpClient() {
        return settings.http().client();
    }

    @Override
    public Duration httpTimeout() {
        return settings.http().readTimeout();
    }

    @Override
    public void close() {
        if (loopback != null) {
            loopback.stop();
        }
        poller.close();
        consents.close();
        renewal.close();
        try {
            store.close();
        } catch (Exception e) {
            log.warn("closing the token store failed: {}", e.toString());
        }
    }

    /** How many grants are in memory now; for tests and diagnostics. */
    long cachedGrants() {
        return cache.size();
    }

    @Override
    public dev.agentauth.core.store.InterruptStore interruptStore() {
        return interrupts;
    }

    @Override
    public String toString() {
        return "TokenBroker[providers=" + providers.ids() + ", redirectUri=" + redirectUri + ", store="
                + store + "]";
    }
}
