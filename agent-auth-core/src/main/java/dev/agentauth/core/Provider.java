package dev.agentauth.core;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An identity provider and how to talk to it. Immutable and thread-safe; build one with {@link #oauth2(String)},
 * {@link #apiKey(String)} or a {@link ProviderPresets preset}, or load them from YAML with
 * {@link dev.agentauth.core.config.AgentAuthConfig}.
 *
 * <p>An OAuth provider names either an {@code issuer} (endpoints are discovered from its OpenID Connect or RFC 8414
 * metadata) or explicit endpoints; explicit endpoints win over discovered ones. {@code toString()} never shows the
 * client secret or API key.
 */
public final class Provider {

    /** What kind of credential a provider hands out. */
    public enum Kind {
        /** OAuth 2.0 / OpenID Connect. */
        OAUTH2,
        /** A static API key, per agent or per user. */
        API_KEY,
        /**
         * A service account that signs its own assertions with a {@link ServiceAccountKey}: JWT bearer grant (RFC 7523),
         * self-signed JWTs and ID tokens.
         */
        SERVICE_ACCOUNT
    }

    /** Shape of the token endpoint's response. */
    public enum TokenResponseFormat {
        /** RFC 6749 §5.1. */
        STANDARD,
        /**
         * Slack OAuth v2: {@code ok} flag, and the user token nested in {@code authed_user} when user scopes were
         * asked for.
         */
        SLACK
    }

    /** Encoding of token endpoint requests. */
    public enum TokenRequestFormat {
        /** {@code application/x-www-form-urlencoded} (RFC 6749 §4.1.3). */
        FORM,
        /** The same parameters as a JSON object (Feishu/Lark, Coze). */
        JSON
    }

    private final ProviderId id;
    private final String displayName;
    private final Kind kind;
    private final URI issuer;
    private final URI authorizationEndpoint;
    private final URI tokenEndpoint;
    private final URI revocationEndpoint;
    private final String clientId;
    private final Secret clientSecret;
    private final ClientAuthMethod clientAuthMethod;
    private final Scopes defaultScopes;
    private final String scopeDelimiter;
    private final String scopeParameter;
    private final Map<String, String> authorizationParameters;
    private final boolean pkce;
    private final Boolean issuerParameterRequired;
    private final TokenResponseFormat tokenResponseFormat;
    private final TokenRequestFormat tokenRequestFormat;
    private final Duration defaultTokenLifetime;
    private final Secret apiKey;
    private final SigningKey clientKey;
    private final ServiceAccountKey serviceAccountKey;
    private final URI resource;
    private final URI clientAssertionAudience;

    private Provider(Builder b) {
        this.id = b.id;
        this.displayName = b.displayName != null ? b.displayName : b.id.value();
        this.kind = b.kind;
        this.issuer = b.issuer;
        this.authorizationEndpoint = b.authorizationEndpoint;
        this.tokenEndpoint = b.tokenEndpoint;
        this.revocationEndpoint = b.revocationEndpoint;
        this.clientId = b.clientId;
        this.clientSecret = b.clientSecret;
        this.clientAuthMethod = b.defaultedClientAuthMethod();
        this.defaultScopes = b.defaultScopes;
        this.scopeDelimiter = b.scopeDelimiter;
        this.scopeParameter = b.scopeParameter;
        this.authorizationParameters = Collections.unmodifiableMap(new LinkedHashMap<>(b.authorizationParameters));
        this.pkce = b.pkce;
        this.issuerParameterRequired = b.issuerParameterRequired;
        this.tokenResponseFormat = b.tokenResponseFormat;
        this.tokenRequestFormat = b.tokenRequestFormat;
        this.defaultTokenLifetime = b.defaultTokenLifetime;
        this.apiKey = b.apiKey;
        this.clientKey = b.clientKey;
        this.serviceAccountKey = b.serviceAccountKey;
        this.resource = b.resource;
        this.clientAssertionAudience = b.clientAssertionAudience;
    }

    /** Starts an OAuth 2.0 / OpenID Connect provider. */
    public static Builder oauth2(String id) {
        return new Builder(ProviderId.of(id), Kind.OAUTH2);
    }

    /** Starts an API-key provider. Keys come from {@link Builder#apiKey(Secret)} (per agent) or per user from the store. */
    public static Builder apiKey(String id) {
        return new Builder(ProviderId.of(id), Kind.API_KEY);
    }

    /**
     * Starts a service-account provider: the token endpoint is the key's {@code token_uri} and the client id its
     * {@code client_email}. Request tokens with {@link Flow#JWT_BEARER}, {@link Flow#SELF_SIGNED_JWT} or
     * {@link Flow#ID_TOKEN}.
     */
    public static Builder serviceAccount(String id, ServiceAccountKey key) {
        Objects.requireNonNull(key, "key");
        Builder b = new Builder(ProviderId.of(id), Kind.SERVICE_ACCOUNT);
        b.serviceAccountKey = key;
        b.tokenEndpoint = key.tokenUri();
        b.clientId = key.clientEmail();
        return b;
    }

    /** A builder pre-filled with this provider's settings, to adjust a preset. */
    public Builder toBuilder() {
        Builder b = new Builder(id, kind);
        b.displayName = displayName;
        b.issuer = issuer;
        b.authorizationEndpoint = authorizationEndpoint;
        b.tokenEndpoint = tokenEndpoint;
        b.revocationEndpoint = revocationEndpoint;
        b.clientId = clientId;
        b.clientSecret = clientSecret;
        b.clientAuthMethod = clientAuthMethod;
        b.defaultScopes = defaultScopes;
        b.scopeDelimiter = scopeDelimiter;
        b.scopeParameter = scopeParameter;
        b.authorizationParameters.putAll(authorizationParameters);
        b.pkce = pkce;
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

    public ProviderId id() {
        return id;
    }

    public String displayName() {
        return displayName;
    }

    public Kind kind() {
        return kind;
    }

    /** The issuer identifier, used for discovery and the RFC 9207 {@code iss} check. */
    public Optional<URI> issuer() {
        return Optional.ofNullable(issuer);
    }

    public Optional<URI> authorizationEndpoint() {
        return Optional.ofNullable(authorizationEndpoint);
    }

    public Optional<URI> tokenEndpoint() {
        return Optional.ofNullable(tokenEndpoint);
    }

    /** The RFC 7009 revocation endpoint, if the provider has one. */
    public Optional<URI> revocationEndpoint() {
        return Optional.ofNullable(revocationEndpoint);
    }

    public String clientId() {
        return clientId;
    }

    public Optional<Secret> clientSecret() {
        return Optional.ofNullable(clientSecret);
    }

    public ClientAuthMethod clientAuthMethod() {
        return clientAuthMethod;
    }

    /** Scopes asked for when a request names none, and always included in consents. */
    public Scopes defaultScopes() {
        return defaultScopes;
    }

    /** The delimiter between scopes on the authorization request: a space (RFC 6749), or a comma for Slack. */
    public String scopeDelimiter() {
        return scopeDelimiter;
    }

    /** The authorization request parameter carrying scopes: {@code scope}, or {@code user_scope} for Slack user tokens. */
    public String scopeParameter() {
        return scopeParameter;
    }

    /** Extra authorization request parameters, e.g. Google's {@code access_type=offline}. */
    public Map<String, String> authorizationParameters() {
        return authorizationParameters;
    }

    /** Whether PKCE (S256) is sent on authorization requests. On by default. */
    public boolean pkce() {
        return pkce;
    }

    /**
     * Whether the callback must carry {@code iss} (RFC 9207); empty means "as the provider's metadata advertises".
     */
    public Optional<Boolean> issuerParameterRequired() {
        return Optional.ofNullable(issuerParameterRequired);
    }

    public TokenResponseFormat tokenResponseFormat() {
        return tokenResponseFormat;
    }

    public TokenRequestFormat tokenRequestFormat() {
        return tokenRequestFormat;
    }

    /**
     * How long a token lives when the token response has no {@code expires_in}; empty means such tokens do not
     * expire (GitHub OAuth App tokens).
     */
    public Optional<Duration> defaultTokenLifetime() {
        return Optional.ofNullable(defaultTokenLifetime);
    }

    /** The agent-wide API key of an {@link Kind#API_KEY} provider, if configured. */
    public Optional<Secret> apiKey() {
        return Optional.ofNullable(apiKey);
    }

    /** The key signing {@code private_key_jwt} client assertions (RFC 7523 §2.2), if configured. */
    public Optional<SigningKey> clientKey() {
        return Optional.ofNullable(clientKey);
    }

    /** The key of a {@link Kind#SERVICE_ACCOUNT} provider. */
    public Optional<ServiceAccountKey> serviceAccountKey() {
        return Optional.ofNullable(serviceAccountKey);
    }

    /**
     * The RFC 8707 resource indicator: the protected resource (e.g. an MCP server's canonical URI) tokens of this
     * provider are for. When set it is sent as {@code resource} on authorization requests and on every token request
     * (code redemption, refresh, client credentials), so the authorization server can bind the token's audience to
     * that one resource and a token obtained for one server is useless at another.
     *
     * @since 0.1.0
     */
    public Optional<URI> resource() {
        return Optional.ofNullable(resource);
    }

    /**
     * The {@code aud} of {@code private_key_jwt} client assertions; empty means the token endpoint (RFC 7523 §3).
     * Some servers (and the MCP conformance suite, after RFC 7523bis) want the issuer identifier instead.
     */
    public Optional<URI> clientAssertionAudience() {
        return Optional.ofNullable(clientAssertionAudience);
    }

    /**
     * Two providers are equal when every setting is equal (secrets compared in constant time). Used to make
     * {@link TokenBroker#registerProvider(Provider)} idempotent.
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Provider p)) {
            return false;
        }
        return id.equals(p.id) && displayName.equals(p.displayName) && kind == p.kind
                && Objects.equals(issuer, p.issuer) && Objects.equals(authorizationEndpoint, p.authorizationEndpoint)
                && Objects.equals(tokenEndpoint, p.tokenEndpoint)
                && Objects.equals(revocationEndpoint, p.revocationEndpoint) && Objects.equals(clientId, p.clientId)
                && Objects.equals(clientSecret, p.clientSecret) && clientAuthMethod == p.clientAuthMethod
                && defaultScopes.equals(p.defaultScopes) && scopeDelimiter.equals(p.scopeDelimiter)
                && scopeParameter.equals(p.scopeParameter) && authorizationParameters.equals(p.authorizationParameters)
                && pkce == p.pkce && Objects.equals(issuerParameterRequired, p.issuerParameterRequired)
                && tokenResponseFormat == p.tokenResponseFormat && tokenRequestFormat == p.tokenRequestFormat
                && Objects.equals(defaultTokenLifetime, p.defaultTokenLifetime) && Objects.equals(apiKey, p.apiKey)
                && Objects.equals(resource, p.resource) && Objects.equals(clientKey, p.clientKey)
                && Objects.equals(serviceAccountKey, p.serviceAccountKey)
                && Objects.equals(clientAssertionAudience, p.clientAssertionAudience);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, kind, issuer, tokenEndpoint, clientId, resource); // never a secret
    }

    @Override
    public String toString() {
        return "Provider[id=" + id + ", kind=" + kind + ", issuer=" + issuer + ", tokenEndpoint=" + tokenEndpoint
                + ", clientId=" + clientId + ", clientAuth=" + clientAuthMethod.metadataName()
                + (clientSecret != null ? ", clientSecret=redacted" : "") + (apiKey != null ? ", apiKey=redacted" : "")
                + (clientKey != null ? ", clientKey=redacted" : "")
                + (serviceAccountKey != null ? ", serviceAccountKey=redacted" : "") + "]";
    }

    /** Builds a {@link Provider}; {@link #build()} checks that the settings fit the kind. Not thread-safe. */
    public static final class Builder {
        private final ProviderId id;
        private final Kind kind;
        private String displayName;
        private URI issuer;
        private URI authorizationEndpoint;
        private URI tokenEndpoint;
        private URI revocationEndpoint;
        private String clientId;
        private Secret clientSecret;
        private ClientAuthMethod clientAuthMethod;
        private Scopes defaultScopes = Scopes.NONE;
        private String scopeDelimiter = " ";
        private String scopeParameter = "scope";
        private final Map<String, String> authorizationParameters = new LinkedHashMap<>();
        private boolean pkce = true;
        private Boolean issuerParameterRequired;
        private TokenResponseFormat tokenResponseFormat = TokenResponseFormat.STANDARD;
        private TokenRequestFormat tokenRequestFormat = TokenRequestFormat.FORM;
        private Duration defaultTokenLifetime;
        private Secret apiKey;
        private SigningKey clientKey;
        private ServiceAccountKey serviceAccountKey;
        private URI resource;
        private URI clientAssertionAudience;

        private Builder(ProviderId id, Kind kind) {
            this.id = id;
            this.kind = kind;
        }

        public Builder displayName(String displayName) {
            this.displayName = displayName;
            return this;
        }

        /** The issuer; endpoints not set explicitly are discovered from its metadata. */
        public Builder issuer(String issuer) {
            this.issuer = URI.create(issuer);
            return this;
        }

        public Builder authorizationEndpoint(String uri) {
            this.authorizationEndpoint = URI.create(uri);
            return this;
        }

        public Builder tokenEndpoint(String uri) {
            this.tokenEndpoint = URI.create(uri);
            return this;
        }

        public Builder revocationEndpoint(String uri) {
            this.revocationEndpoint = URI.create(uri);
            return this;
        }

        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        public Builder clientSecret(Secret clientSecret) {
            this.clientSecret = clientSecret;
            return this;
        }

        public Builder clientSecret(String clientSecret) {
            return clientSecret(Secret.of(clientSecret));
        }

        /**
         * Default: {@code client_secret_basic} when a secret is set, {@code private_key_jwt} when a
         * {@link #clientKey(SigningKey) client key} is, otherwise {@code none}.
         */
        public Builder clientAuthMethod(ClientAuthMethod method) {
            this.clientAuthMethod = method;
            return this;
        }

        public Builder defaultScopes(Scopes scopes) {
            this.defaultScopes = Objects.requireNonNull(scopes, "scopes");
            return this;
        }

        public Builder defaultScopes(String... scopes) {
            return defaultScopes(Scopes.of(scopes));
        }

        public Builder scopeDelimiter(String delimiter) {
            this.scopeDelimiter = Objects.requireNonNull(delimiter, "delimiter");
            return this;
        }

        public Builder scopeParameter(String name) {
            this.scopeParameter = Objects.requireNonNull(name, "name");
            return this;
        }

        public Builder authorizationParameter(String name, String value) {
            if (RESERVED.contains(name)) {
                throw new IllegalArgumentException("authorization parameter '" + name
                        + "' is set by the broker and cannot be overridden");
            }
            this.authorizationParameters.put(name, value);
            return this;
        }

        public Builder pkce(boolean pkce) {
            this.pkce = pkce;
            return this;
        }

        public Builder issuerParameterRequired(boolean required) {
            this.issuerParameterRequired = required;
            return this;
        }

        public Builder tokenResponseFormat(TokenResponseFormat format) {
            this.tokenResponseFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        public Builder tokenRequestFormat(TokenRequestFormat format) {
            this.tokenRequestFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        public Builder defaultTokenLifetime(Duration lifetime) {
            this.defaultTokenLifetime = lifetime;
            return this;
        }

        public Builder apiKey(Secret key) {
            this.apiKey = key;
            return this;
        }

        /**
         * The private key for {@code private_key_jwt} client authentication (RFC 7523 §2.2): each token request carries a
         * short-lived JWT signed with it ({@code iss} = {@code sub} = client id, {@code aud} = token endpoint). Register
         * the public key (or a JWKS URL) with the provider.
         */
        public Builder clientKey(SigningKey key) {
            this.clientKey = key;
            return this;
        }

        private ClientAuthMethod defaultedClientAuthMethod() {
            if (clientAuthMethod != null) {
                return clientAuthMethod;
            }
            if (clientSecret != null) {
                return ClientAuthMethod.CLIENT_SECRET_BASIC;
            }
            return clientKey != null ? ClientAuthMethod.PRIVATE_KEY_JWT : ClientAuthMethod.NONE;
        }

        /** The {@code aud} of {@code private_key_jwt} assertions, e.g. the issuer; default: the token endpoint. */
        public Builder clientAssertionAudience(URI audience) {
            this.clientAssertionAudience = audience;
            return this;
        }

        /**
         * The RFC 8707 resource indicator sent on authorization and token requests; see {@link Provider#resource()}.
         * Must be an absolute URI without a fragment (RFC 8707 §2).
         */
        public Builder resource(URI resource) {
            if (resource != null && (!resource.isAbsolute() || resource.getRawFragment() != null)) {
                throw new IllegalArgumentException("resource indicator must be an absolute URI without a fragment"
                        + " (RFC 8707 section 2): " + resource);
            }
            this.resource = resource;
            return this;
        }

        /** Checks the settings and builds the provider. */
        public Provider build() {
            if (kind == Kind.OAUTH2) {
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
                            + " needs a client key (Provider.Builder.clientKey)", id, null);
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
            } else if (kind == Kind.SERVICE_ACCOUNT) {
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
            return new Provider(this);
        }

        private static final Set<String> RESERVED = Set.of("response_type", "client_id", "redirect_uri", "state",
                "code_challenge", "code_challenge_method", "scope", "resource");
    }
}
