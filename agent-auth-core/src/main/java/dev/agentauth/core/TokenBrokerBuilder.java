package dev.agentauth.core;

import static dev.agentauth.core.internal.BuilderChecks.nonNegative;
import static dev.agentauth.core.internal.BuilderChecks.once;
import static dev.agentauth.core.internal.BuilderChecks.positive;

import dev.agentauth.core.internal.BrokerSettings;
import dev.agentauth.core.internal.DefaultHttpTransport;
import dev.agentauth.core.internal.DefaultTokenBroker;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link TokenBroker}. Each option may be set once; values are checked when set and {@link #build()} checks
 * that they fit together. Not thread-safe.
 *
 * <pre>{@code
 * TokenBroker broker = TokenBroker.builder()
 *     .provider(ProviderPresets.github().clientId(id).clientSecret(secret).build())
 *     .loopbackCallback()                       // or .redirectUri(URI) for a web app's own endpoint
 *     .build();
 * }</pre>
 */
public final class TokenBrokerBuilder {

    private final Map<ProviderId, Provider> providers = new LinkedHashMap<>();
    private final List<AuditListener> auditListeners = new ArrayList<>();
    private final List<ConsentListener> consentListeners = new ArrayList<>();
    private TokenStore store;
    private dev.agentauth.core.Telemetry telemetry = dev.agentauth.core.Telemetry.NONE;
    private Clock clock;
    private Duration clockSkew;
    private Duration consentTtl;
    private Duration connectTimeout;
    private Duration readTimeout;
    private URI redirectUri;
    private Integer loopbackPort;
    private String loopbackPath;
    private SecureRandom random;
    private Boolean eagerDiscovery;
    private HttpClient httpClient;
    private Duration refreshAhead;
    private java.util.concurrent.Executor refreshExecutor;
    private ExpectedAccount expectedAccount;
    private Long cacheMaximumSize;

    TokenBrokerBuilder() {
    }

    /** Adds a provider; ids must be unique. */
    public TokenBrokerBuilder provider(Provider provider) {
        Objects.requireNonNull(provider, "provider");
        if (providers.putIfAbsent(provider.id(), provider) != null) {
            throw new IllegalArgumentException("provider '" + provider.id() + "' is configured twice");
        }
        return this;
    }

    /** Adds providers, e.g. from {@link dev.agentauth.core.config.AgentAuthConfig#providers()}. */
    public TokenBrokerBuilder providers(Collection<Provider> providers) {
        providers.forEach(this::provider);
        return this;
    }

    /**
     * Applies a loaded YAML configuration: its providers and every broker setting it names. Settings it names count
     * as set (setting them again fails).
     */
    public TokenBrokerBuilder configuration(dev.agentauth.core.config.AgentAuthConfig config) {
        Objects.requireNonNull(config, "config");
        providers(config.providers());
        config.clockSkew().ifPresent(this::clockSkew);
        config.consentTtl().ifPresent(this::consentTtl);
        config.connectTimeout().ifPresent(this::connectTimeout);
        config.readTimeout().ifPresent(this::readTimeout);
        config.redirectUri().ifPresent(this::redirectUri);
        config.loopbackPort().ifPresent(port -> loopbackCallback(port, config.loopbackPath().orElse("/callback")));
        return this;
    }

    /** Where grants and pending consents live. Default: {@link TokenStore#inMemory()}. The broker closes it. */
    public TokenBrokerBuilder tokenStore(TokenStore store) {
        this.store = once(this.store, store, "tokenStore");
        return this;
    }

    /** The clock for expiry decisions. Default: {@link Clock#systemUTC()}. */
    public TokenBrokerBuilder clock(Clock clock) {
        this.clock = once(this.clock, clock, "clock");
        return this;
    }

    /**
     * The expiry margin: a token counts as expired this long before its {@code expires_at}, so that it is never handed
     * out with less than this left (clocks differ; requests take time). Callers of an expired token wait for a new
     * one. Default: 60 s.
     */
    public TokenBrokerBuilder clockSkew(Duration skew) {
        this.clockSkew = once(this.clockSkew, nonNegative(skew, "clockSkew"), "clockSkew");
        return this;
    }

    /**
     * The refresh-ahead window: this long before a token counts as expired it goes stale — callers keep getting it at
     * once, and the first of them starts one background renewal (on {@link #refreshExecutor}). At most half a token's
     * usable lifetime. {@code Duration.ZERO} turns renewal ahead off: callers then wait at expiry. Default: 5 minutes.
     *
     * @since 0.2.0
     */
    public TokenBrokerBuilder refreshAhead(Duration window) {
        this.refreshAhead = once(this.refreshAhead, nonNegative(window, "refreshAhead"), "refreshAhead");
        return this;
    }

    /**
     * Where background renewals run. The broker does not shut it down. Default: two daemon threads of the broker's own,
     * stopped by {@link TokenBroker#close()}.
     *
     * @since 0.2.0
     */
    public TokenBrokerBuilder refreshExecutor(java.util.concurrent.Executor executor) {
        this.refreshExecutor = once(this.refreshExecutor, executor, "refreshExecutor");
        return this;
    }

    /**
     * Binds consents to the identity-provider account each user must connect: sent as {@code login_hint}, and a
     * consent completed by another account (or by one the provider does not identify) is refused. Default: no binding;
     * whichever account signs in is recorded on the grant ({@link GrantInfo#account()}).
     *
     * @since 0.2.0
     */
    public TokenBrokerBuilder expectedAccount(ExpectedAccount binding) {
        this.expectedAccount = once(this.expectedAccount, binding, "expectedAccount");
        return this;
    }

    /**
     * How many grants the broker keeps in memory at most; past that the ones least likely to be asked for again are
     * dropped (and read from the token store again when asked for), so the heap stays bounded whatever the number of
     * users. Default: 100,000.
     *
     * @since 0.2.0
     */
    public TokenBrokerBuilder cacheMaximumSize(long size) {
        if (size < 1) {
            throw new IllegalArgumentException("cacheMaximumSize must be at least 1, was " + size);
        }
        this.cacheMaximumSize = once(this.cacheMaximumSize, size, "cacheMaximumSize");
        return this;
    }

    /** How long a user has to complete a consent. Default: 10 minutes. */
    public TokenBrokerBuilder consentTtl(Duration ttl) {
        this.consentTtl = once(this.consentTtl, positive(ttl, "consentTtl"), "consentTtl");
        return this;
    }

    /**
     * The HTTP client for every request the broker makes (token, discovery, revocation, and the MCP layer's metadata
     * and registration): bring one to set a proxy, TLS trust, an executor or HTTP/2. The broker does not close it. It
     * should not follow redirects (the default client does not: a token endpoint must not redirect a client secret
     * elsewhere). Default: a client built with {@link #connectTimeout}. Exclusive with {@link #connectTimeout}, which
     * belongs to the client; {@link #readTimeout} applies to every request either way.
     *
     * @since 0.2.0
     */
    public TokenBrokerBuilder httpClient(HttpClient client) {
        this.httpClient = once(this.httpClient, client, "httpClient");
        return this;
    }

    /** Connect timeout of every HTTP call, for the client the builder makes. Default: 5 s. */
    public TokenBrokerBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = once(this.connectTimeout, positive(timeout, "connectTimeout"), "connectTimeout");
        return this;
    }

    /** Read timeout of every HTTP call. Default: 10 s. */
    public TokenBrokerBuilder readTimeout(Duration timeout) {
        this.readTimeout = once(this.readTimeout, positive(timeout, "readTimeout"), "readTimeout");
        return this;
    }

    /**
     * The application's own OAuth callback URL; the application hands each callback request to
     * {@link TokenBroker#completeConsent(URI)}. Exclusive with {@link #loopbackCallback()}.
     */
    public TokenBrokerBuilder redirectUri(URI redirectUri) {
        this.redirectUri = once(this.redirectUri, redirectUri, "redirectUri");
        return this;
    }

    /** Starts the built-in callback server on 127.0.0.1, a random free port, path {@code /callback}. */
    public TokenBrokerBuilder loopbackCallback() {
        return loopbackCallback(0, "/callback");
    }

    /** Starts the built-in callback server on 127.0.0.1:{@code port} (0 = random) at exactly {@code path}. */
    public TokenBrokerBuilder loopbackCallback(int port, String path) {
        if (loopbackPort != null) {
            throw new IllegalStateException("loopbackCallback was already set");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("loopback port must be 0-65535, was " + port);
        }
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("loopback path must start with '/', was " + path);
        }
        this.loopbackPort = port;
        this.loopbackPath = path;
        return this;
    }

    /**
     * Reports what the broker does as Micrometer observations — metrics and trace spans through the registry's
     * handlers (e.g. Spring Boot's): {@code agentauth.token.request} (each token endpoint call: tags
     * {@code provider}, {@code grant_type}, {@code operation} obtain/refresh, {@code outcome}, {@code error}),
     * {@code agentauth.consent.request} ({@code provider}, {@code flow}: the consent channel) and
     * {@code agentauth.consent.complete} (each callback or decline: {@code provider}, {@code outcome}); agents on this broker add {@code agentauth.interrupt.raise} and
     * {@code agentauth.interrupt.resume}. Tags are low-cardinality: a provider id and values from fixed sets, never a
     * user, token, scope or URL, and failures are recorded by exception type only. Needs
     * {@code io.micrometer:micrometer-observation} (optional); without this call nothing is reported and Micrometer is
     * not loaded.
     *
     * @since 0.2.0
     */
    public TokenBrokerBuilder observationRegistry(io.micrometer.observation.ObservationRegistry registry) {
        this.telemetry = new dev.agentauth.core.internal.MicrometerTelemetry(java.util.Objects.requireNonNull(
                registry, "registry"));
        return this;
    }

    /** Receives every audit event. */
    public TokenBrokerBuilder auditListener(AuditListener listener) {
        auditListeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Told whenever a new consent is started, and by {@link TokenBroker#awaitToken(TokenRequest, Duration)}. */
    public TokenBrokerBuilder consentListener(ConsentListener listener) {
        consentListeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** The source of state, PKCE verifiers and consent ids. Default: a new {@link SecureRandom}. */
    public TokenBrokerBuilder secureRandom(SecureRandom random) {
        this.random = once(this.random, random, "secureRandom");
        return this;
    }

    /**
     * Whether {@link #build()} fetches every issuer's metadata at once, failing fast on a wrong or unreachable issuer
     * (default: true). With false, discovery happens on first use and failures surface there, retryable.
     */
    public TokenBrokerBuilder eagerDiscovery(boolean eager) {
        this.eagerDiscovery = once(this.eagerDiscovery, eager, "eagerDiscovery");
        return this;
    }

    /**
     * Builds the broker: starts the loopback callback server if asked, and with eager discovery fetches provider
     * metadata. Blocks for that I/O.
     *
     * @throws ConfigurationException       the options do not fit together, or an issuer's metadata is unusable
     * @throws ProviderUnavailableException an issuer is unreachable (eager discovery)
     */
    public TokenBroker build() {
        if (httpClient != null && connectTimeout != null) {
            throw new ConfigurationException("set connectTimeout on your HttpClient (HttpClient.Builder.connectTimeout),"
                    + " not on the broker builder: the broker uses the client as it is given");
        }
        if (redirectUri != null && loopbackPort != null) {
            throw new ConfigurationException("set either redirectUri (your application's callback) or"
                    + " loopbackCallback (the built-in one), not both");
        }
        BrokerSettings settings = new BrokerSettings(
                List.copyOf(providers.values()),
                store != null ? store : TokenStore.inMemory(),
                clock != null ? clock : Clock.systemUTC(),
                clockSkew != null ? clockSkew : Duration.ofSeconds(60),
                consentTtl != null ? consentTtl : Duration.ofMinutes(10),
                DefaultHttpTransport.of(httpClient != null ? httpClient
                                : DefaultHttpTransport.defaultClient(connectTimeout != null ? connectTimeout
                                : Duration.ofSeconds(5)),
                        readTimeout != null ? readTimeout : Duration.ofSeconds(10)),
                redirectUri, loopbackPort, loopbackPath,
                random != null ? random : new SecureRandom(),
                List.copyOf(auditListeners), List.copyOf(consentListeners),
                eagerDiscovery == null || eagerDiscovery,
                refreshAhead != null ? refreshAhead : Duration.ofMinutes(5), refreshExecutor,
                expectedAccount != null ? expectedAccount : (principal, provider) -> java.util.Optional.empty(),
                cacheMaximumSize != null ? cacheMaximumSize : 100_000L, telemetry);
        return DefaultTokenBroker.start(settings);
    }
}
