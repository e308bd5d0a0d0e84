package dev.agentauth.core;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Builds a {@link Provider}; {@link #build()} checks that the settings fit the kind. Not thread-safe. */
public final class ProviderBuilder {
    final ProviderId id;
    final Provider.Kind kind;
    String displayName;
    URI issuer;
    URI authorizationEndpoint;
    URI tokenEndpoint;
    URI revocationEndpoint;
    String clientId;
    Secret clientSecret;
    ClientAuthMethod clientAuthMethod;
    Scopes defaultScopes = Scopes.NONE;
    String scopeDelimiter = " ";
    String scopeParameter = "scope";
    final Map<String, String> authorizationParameters = new LinkedHashMap<>();
    boolean pkce = true;
    boolean dpop;
    boolean deviceAuthorization;
    URI deviceAuthorizationEndpoint;
    boolean backchannelAuthentication;
    URI backchannelNotificationEndpoint;
    AssertionSource workloadIdentity;
    final Map<String, String> scopeDescriptions = new LinkedHashMap<>();
    ProviderId identityProvider;
    AssertionSource identityAssertion;
    String identityAssertionAudience;
    Boolean issuerParameterRequired;
    Provider.TokenResponseFormat tokenResponseFormat = Provider.TokenResponseFormat.STANDARD;
    Provider.TokenRequestFormat tokenRequestFormat = Provider.TokenRequestFormat.FORM;
    Duration defaultTokenLifetime;
    Secret apiKey;
    SigningKey clientKey;
    ServiceAccountKey serviceAccountKey;
    URI resource;
    URI clientAssertionAudience;

    ProviderBuilder(ProviderId id, Provider.Kind kind) {
        this.id = id;
        this.kind = kind;
    }

    public ProviderBuilder displayName(String displayName) {
        this.displayName = displayName;
        return this;
    }

    /** The issuer; endpoints not set explicitly are discovered from its metadata. */
    public ProviderBuilder issuer(String issuer) {
        this.issuer = URI.create(issuer);
        return this;
    }

    public ProviderBuilder authorizationEndpoint(String uri) {
        this.authorizationEndpoint = URI.create(uri);
        return this;
    }

    public ProviderBuilder tokenEndpoint(String uri) {
        this.tokenEndpoint = URI.create(uri);
        return this;
    }

    public ProviderBuilder revocationEndpoint(String uri) {
        this.revocationEndpoint = URI.create(uri);
        return this;
    }

    public ProviderBuilder clientId(String clientId) {
        this.clientId = clientId;
        return this;
    }

    public ProviderBuilder clientSecret(Secret clientSecret) {
        this.clientSecret = clientSecret;
        return this;
    }

    public ProviderBuilder clientSecret(String clientSecret) {
        return clientSecret(Secret.of(clientSecret));
    }

    /**
     * Default: {@code client_secret_basic} when a secret is set, {@code private_key_jwt} when a
     * {@link #clientKey(SigningKey) client key} is, otherwise {@code none}.
     */
    public ProviderBuilder clientAuthMethod(ClientAuthMethod method) {
        this.clientAuthMethod = method;
        return this;
    }

    public ProviderBuilder defaultScopes(Scopes scopes) {
        this.defaultScopes = Objects.requireNonNull(scopes, "scopes");
        return this;
    }

    public ProviderBuilder defaultScopes(String... scopes) {
        return defaultScopes(Scopes.of(scopes));
    }

    public ProviderBuilder scopeDelimiter(String delimiter) {
        this.scopeDelimiter = Objects.requireNonNull(delimiter, "delimiter");
        return this;
    }

    public ProviderBuilder scopeParameter(String name) {
        this.scopeParameter = Objects.requireNonNull(name, "name");
        return this;
    }

    public ProviderBuilder authorizationParameter(String name, String value) {
        if (RESERVED.contains(name)) {
            throw new IllegalArgumentException("authorization parameter '" + name
                    + "' is set by the broker and cannot be overridden");
        }
        this.authorizationParameters.put(name, value);
        return this;
    }

    /**
     * User consents through the device authorization grant (RFC 8628): a user code and a verification URI instead of
     * a browser redirect; the broker polls for the user's approval. For headless agents; see
     * {@link Provider#deviceAuthorization()}.
     *
     * @since 0.2.0
     */
    public ProviderBuilder deviceAuthorization(boolean device) {
        this.deviceAuthorization = device;
        return this;
    }

    /**
     * Approvals of single actions ({@link Flow#USER_APPROVAL}) go through OpenID CIBA (Client-Initiated Backchannel
     * Authentication Core 1.0, poll mode): the user approves on their own device, and the broker polls. The
     * {@code backchannel_authentication_endpoint} comes from the issuer's metadata. Other flows of the provider are
     * unchanged; see {@link Provider#backchannelAuthentication()}.
     *
     * @since 0.3.0
     */
    public ProviderBuilder backchannelAuthentication(boolean backchannel) {
        this.backchannelAuthentication = backchannel;
        return this;
    }

    /**
     * CIBA ping mode (CIBA Core §10.2): the client's {@code backchannel_client_notification_endpoint} as registered at
     * the provider — your application's URL where the provider says that an approval was answered. Approval requests
     * then carry a {@code client_notification_token}; hand each notification request to
     * {@link TokenBroker#backchannelNotification(String, String)}, and the broker polls at once instead of waiting for
     * the next poll (it still polls, rarely, in case a notification is lost). Implies
     * {@link #backchannelAuthentication(boolean) backchannelAuthentication(true)}.
     *
     * @since 0.3.0
     */
    public ProviderBuilder backchannelNotificationEndpoint(String uri) {
        this.backchannelNotificationEndpoint = URI.create(uri);
        this.backchannelAuthentication = true;
        return this;
    }

    /**
     * The device authorization endpoint (RFC 8628 §3.1), when the issuer's metadata does not name it; implies
     * {@link #deviceAuthorization(boolean) deviceAuthorization(true)}.
     *
     * @since 0.2.0
     */
    public ProviderBuilder deviceAuthorizationEndpoint(String uri) {
        this.deviceAuthorizationEndpoint = URI.create(uri);
        return this;
    }

    /**
     * Request DPoP-bound tokens (RFC 9449; default false): a proof of the broker's DPoP key (EC P-256, ES256, kept in the
     * broker's token store) on every token request, with the authorization server's {@code use_dpop_nonce} answered
     * once; see {@link Provider#dpop()}.
     *
     * @since 0.2.0
     */
    public ProviderBuilder dpop(boolean dpop) {
        this.dpop = dpop;
        return this;
    }

    public ProviderBuilder pkce(boolean pkce) {
        this.pkce = pkce;
        return this;
    }

    public ProviderBuilder issuerParameterRequired(boolean required) {
        this.issuerParameterRequired = required;
        return this;
    }

    public ProviderBuilder tokenResponseFormat(Provider.TokenResponseFormat format) {
        this.tokenResponseFormat = Objects.requireNonNull(format, "format");
        return this;
    }

    public ProviderBuilder tokenRequestFormat(Provider.TokenRequestFormat format) {
        this.tokenRequestFormat = Objects.requireNonNull(format, "format");
        return this;
    }

    public ProviderBuilder defaultTokenLifetime(Duration lifetime) {
        this.defaultTokenLifetime = lifetime;
        return this;
    }

    public ProviderBuilder apiKey(Secret key) {
        this.apiKey = key;
        return this;
    }

    /**
     * The private key for {@code private_key_jwt} client authentication (RFC 7523 §2.2): each token request carries a
     * short-lived JWT signed with it ({@code iss} = {@code sub} = client id, {@code aud} = token endpoint). Register
     * the public key (or a JWKS URL) with the provider.
     */
    public ProviderBuilder clientKey(SigningKey key) {
        this.clientKey = key;
        return this;
    }

    ClientAuthMethod defaultedClientAuthMethod() {
        if (clientAuthMethod != null) {
            return clientAuthMethod;
        }
        if (clientSecret != null) {
            return ClientAuthMethod.CLIENT_SECRET_BASIC;
        }
        return clientKey != null ? ClientAuthMethod.PRIVATE_KEY_JWT : ClientAuthMethod.NONE;
    }

    /** The {@code aud} of {@code private_key_jwt} assertions, e.g. the issuer; default: the token endpoint. */
    public ProviderBuilder clientAssertionAudience(URI audience) {
        this.clientAssertionAudience = audience;
        return this;
    }

    /**
     * The RFC 8707 resource indicator sent on authorization and token requests; see {@link Provider#resource()}.
     * Must be an absolute URI without a fragment (RFC 8707 §2).
     */
    public ProviderBuilder resource(URI resource) {
        if (resource != null && (!resource.isAbsolute() || resource.getRawFragment() != null)) {
            throw new IllegalArgumentException("resource indicator must be an absolute URI without a fragment"
                    + " (RFC 8707 section 2): " + resource);
        }
        this.resource = resource;
        return this;
    }

    /**
     * Describes what {@code scope} lets the agent do, for consent cards ("Read your repositories"). Presets describe
     * their vendors' common scopes; this adds to or replaces those.
     *
     * @since 0.2.0
     */
    public ProviderBuilder scopeDescription(String scope, String description) {
        scopeDescriptions.put(Objects.requireNonNull(scope, "scope"), Objects.requireNonNull(description,
                "description"));
        return this;
    }

    /**
     * Workload identity ({@link Flow#WORKLOAD_IDENTITY}): the platform's token for this workload, from {@code source}
     * on every token request, as the assertion of a JWT bearer grant (RFC 7523) at this provider's token endpoint.
     *
     * @since 0.2.0
     */
    public ProviderBuilder workloadIdentity(AssertionSource source) {
        this.workloadIdentity = Objects.requireNonNull(source, "source");
        return this;
    }

    /**
     * Enterprise-managed authorization ({@link Flow#IDENTITY_ASSERTION}): the user's ID token from {@code idToken}
     * is exchanged at provider {@code identityProvider} (the enterprise identity provider, configured as an OAuth
     * provider with its token endpoint and client) for an identity assertion JWT for this provider, which this
     * provider's token endpoint redeems by the JWT bearer grant.
     *
     * @since 0.2.0
     */
    public ProviderBuilder identityAssertion(String identityProvider, AssertionSource idToken) {
        this.identityProvider = ProviderId.of(Objects.requireNonNull(identityProvider, "identityProvider"));
        this.identityAssertion = Objects.requireNonNull(idToken, "idToken");
        return this;
    }

    /**
     * The {@code audience} asked of the enterprise identity provider for the identity assertion (default: this
     * provider's issuer, the authorization server's identifier).
     *
     * @since 0.2.0
     */
    public ProviderBuilder identityAssertionAudience(String audience) {
        this.identityAssertionAudience = audience;
        return this;
    }

    /** An independent copy of these settings (the maps copied too). */
    ProviderBuilder copy() {
        ProviderBuilder b = new ProviderBuilder(id, kind);
        b.displayName = displayName;
        b.issuer = issuer;
        b.authorizationEndpoint = authorizationEndpoint;
        b.tokenEndpoint = tokenEndpoint;
        b.revocationEndpoint = revocationEndpoint;
        b.workloadIdentity = workloadIdentity;
        b.scopeDescriptions.putAll(scopeDescriptions);
        b.identityProvider = identityProvider;
        b.identityAssertion = identityAssertion;
        b.identityAssertionAudience = identityAssertionAudience;
        b.clientId = clientId;
        b.clientSecret = clientSecret;
        b.clientAuthMethod = clientAuthMethod;
        b.defaultScopes = defaultScopes;
        b.scopeDelimiter = scopeDelimiter;
        b.scopeParameter = scopeParameter;
        b.authorizationParameters.putAll(authorizationParameters);
        b.pkce = pkce;
        b.dpop = dpop;
        b.deviceAuthorization = deviceAuthorization;
        b.deviceAuthorizationEndpoint = deviceAuthorizationEndpoint;
        b.backchannelAuthentication = backchannelAuthentication;
        b.backchannelNotificationEndpoint = backchannelNotificationEndpoint;
        b.issuerParameterRequired = issuerParameterRequired;
        b.tokenResponseFormat = tokenResponseFormat;
        b.tokenRequestFormat = tokenRequestFormat;
        b.defaultTokenLifetime = defaultTokenLifetime;
        b.apiKey = apiKey;
        b.clientKey = clientKey;
        b.serviceAccountKey = serviceAccountKey;
        b.resource = resource;
        b.clientAssertionAudience = clientAssertionAudience;
        return b;
    }

    /** Checks the settings and builds the provider. */
    public Provider build() {
        if (kind == Provider.Kind.OAUTH2) {
            if (clientId == null || clientId.isBlank()) {
                throw new ConfigurationException("provider '" + id + "': client id is required", id, null);
            }
            if (issuer == null && tokenEndpoint == null) {
                throw new ConfigurationException("provider '" + id
                        + "': set an issuer (for discovery) or a token endpoint", id, null);
            }
            ClientAuthMethod method = defaultedClientAuthMethod();
            if (method == ClientAuthMethod.PRIVATE_KEY_JWT && clientKey == null) {
                throw new ConfigurationException("provider '" + id + "': client authentication private_key_jwt"
                        + " needs a client key (ProviderBuilder.clientKey)", id, null);
            }
            if (method != ClientAuthMethod.NONE && method != ClientAuthMethod.PRIVATE_KEY_JWT
                    && clientSecret == null) {
                throw new ConfigurationException("provider '" + id + "': client authentication "
                        + method.metadataName() + " needs a client secret", id, null);
            }
            if (method == ClientAuthMethod.NONE && !pkce) {
                throw new ConfigurationException("provider '" + id
                        + "': a public client (no client secret) must use PKCE", id, null);
            }
            if (apiKey != null) {
                throw new ConfigurationException("provider '" + id + "': an OAuth provider takes no api key", id, null);
            }
        } else if (kind == Provider.Kind.SERVICE_ACCOUNT) {
            if (serviceAccountKey == null || tokenEndpoint == null) {
                throw new ConfigurationException("provider '" + id + "': a service-account provider needs a"
                        + " service-account key (Provider.serviceAccount)", id, null);
            }
            if (clientSecret != null || apiKey != null || authorizationEndpoint != null) {
                throw new ConfigurationException("provider '" + id + "': a service-account provider signs its own"
                        + " assertions; it takes no client secret, api key or authorization endpoint", id, null);
            }
            ClientAuthMethod method = defaultedClientAuthMethod();
            if (method != ClientAuthMethod.NONE && !(method == ClientAuthMethod.PRIVATE_KEY_JWT
                    && clientKey != null)) {
                throw new ConfigurationException("provider '" + id + "': a service-account provider authenticates"
                        + " with its assertion; client authentication " + method.metadataName()
                        + " is not supported", id, null);
            }
        } else if (resource != null) {
            throw new ConfigurationException("provider '" + id + "': an API-key provider takes no resource", id,
                    null);
        } else if (issuer != null || tokenEndpoint != null || authorizationEndpoint != null || clientSecret != null
                || clientKey != null) {
            throw new ConfigurationException("provider '" + id
                    + "': an API-key provider takes no issuer, endpoints, client secret or client key", id, null);
        }
        Map<String, URI> endpoints = new LinkedHashMap<>();
        endpoints.put("issuer", issuer);
        endpoints.put("authorizationEndpoint", authorizationEndpoint);
        endpoints.put("tokenEndpoint", tokenEndpoint);
        endpoints.put("revocationEndpoint", revocationEndpoint);
        endpoints.put("deviceAuthorizationEndpoint", deviceAuthorizationEndpoint);
        UriRules.checkConfigured(id, endpoints);
        return new Provider(this);
    }

    static final Set<String> RESERVED = Set.of("response_type", "client_id", "redirect_uri", "state",
            "code_challenge", "code_challenge_method", "scope", "resource");
}
