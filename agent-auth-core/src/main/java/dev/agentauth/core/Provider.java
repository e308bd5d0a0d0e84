package dev.agentauth.core;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
    private final AssertionSource workloadIdentity;
    private final java.util.Map<String, String> scopeDescriptions;
    private final ProviderId identityProvider;
    private final AssertionSource identityAssertion;
    private final String identityAssertionAudience;
    private final String clientId;
    private final Secret clientSecret;
    private final ClientAuthMethod clientAuthMethod;
    private final Scopes defaultScopes;
    private final String scopeDelimiter;
    private final String scopeParameter;
    private final Map<String, String> authorizationParameters;
    private final boolean pkce;
    private final boolean dpop;
    private final boolean deviceAuthorization;
    private final boolean backchannelAuthentication;
    private final URI backchannelNotificationEndpoint;
    /** The settings this provider was built from, for {@link #toBuilder()}. */
    private final ProviderBuilder settings;
    private final URI deviceAuthorizationEndpoint;
    private final Boolean issuerParameterRequired;
    private final TokenResponseFormat tokenResponseFormat;
    private final TokenRequestFormat tokenRequestFormat;
    private final Duration defaultTokenLifetime;
    private final Secret apiKey;
    private final SigningKey clientKey;
    private final ServiceAccountKey serviceAccountKey;
    private final URI resource;
    private final URI clientAssertionAudience;

    Provider(ProviderBuilder b) {
        this.settings = b.copy();
        this.id = b.id;
        this.displayName = b.displayName != null ? b.displayName : b.id.value();
        this.kind = b.kind;
        this.issuer = b.issuer;
        this.authorizationEndpoint = b.authorizationEndpoint;
        this.tokenEndpoint = b.tokenEndpoint;
        this.revocationEndpoint = b.revocationEndpoint;
        this.workloadIdentity = b.workloadIdentity;
        this.scopeDescriptions = java.util.Map.copyOf(b.scopeDescriptions);
        this.identityProvider = b.identityProvider;
        this.identityAssertion = b.identityAssertion;
        this.identityAssertionAudience = b.identityAssertionAudience;
        this.clientId = b.clientId;
        this.clientSecret = b.clientSecret;
        this.clientAuthMethod = b.defaultedClientAuthMethod();
        this.defaultScopes = b.defaultScopes;
        this.scopeDelimiter = b.scopeDelimiter;
        this.scopeParameter = b.scopeParameter;
        this.authorizationParameters = Collections.unmodifiableMap(new LinkedHashMap<>(b.authorizationParameters));
        this.pkce = b.pkce;
        this.dpop = b.dpop;
        this.deviceAuthorization = b.deviceAuthorization || b.deviceAuthorizationEndpoint != null;
        this.deviceAuthorizationEndpoint = b.deviceAuthorizationEndpoint;
        this.backchannelAuthentication = b.backchannelAuthentication;
        this.backchannelNotificationEndpoint = b.backchannelNotificationEndpoint;
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
    public static ProviderBuilder oauth2(String id) {
        return new ProviderBuilder(ProviderId.of(id), Kind.OAUTH2);
    }

    /** Starts an API-key provider. Keys come from {@link ProviderBuilder#apiKey(Secret)} (per agent) or per user from the store. */
    public static ProviderBuilder apiKey(String id) {
        return new ProviderBuilder(ProviderId.of(id), Kind.API_KEY);
    }

    /**
     * Starts a service-account provider: the token endpoint is the key's {@code token_uri} and the client id its
     * {@code client_email}. Request tokens with {@link Flow#JWT_BEARER}, {@link Flow#SELF_SIGNED_JWT} or
     * {@link Flow#ID_TOKEN}.
     */
    public static ProviderBuilder serviceAccount(String id, ServiceAccountKey key) {
        Objects.requireNonNull(key, "key");
        ProviderBuilder b = new ProviderBuilder(ProviderId.of(id), Kind.SERVICE_ACCOUNT);
        b.serviceAccountKey = key;
        b.tokenEndpoint = key.tokenUri();
        b.clientId = key.clientEmail();
        return b;
    }

    /** A builder pre-filled with this provider's settings, to adjust a preset. */
    public ProviderBuilder toBuilder() {
        return settings.copy();
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

    /**
     * What a scope lets the agent do, in words for a consent card ("Read your repositories"), when described; the
     * presets describe their vendors' common scopes.
     *
     * @since 0.2.0
     */
    public Optional<String> scopeDescription(String scope) {
        return Optional.ofNullable(scopeDescriptions.get(scope));
    }

    /** The assertion source of {@link Flow#WORKLOAD_IDENTITY}. @since 0.2.0 */
    public Optional<AssertionSource> workloadIdentity() {
        return Optional.ofNullable(workloadIdentity);
    }

    /**
     * The enterprise identity provider of {@link Flow#IDENTITY_ASSERTION}, which exchanges the user's ID token for an
     * identity assertion for this provider.
     *
     * @since 0.2.0
     */
    public Optional<ProviderId> identityProvider() {
        return Optional.ofNullable(identityProvider);
    }

    /** Where {@link Flow#IDENTITY_ASSERTION} takes the user's ID token from. @since 0.2.0 */
    public Optional<AssertionSource> identityAssertion() {
        return Optional.ofNullable(identityAssertion);
    }

    /** The {@code audience} of the identity assertion: this provider's issuer unless set. @since 0.2.0 */
    public Optional<String> identityAssertionAudience() {
        return Optional.ofNullable(identityAssertionAudience);
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
     * Whether tokens are requested DPoP-bound (RFC 9449): every token request carries a proof of the broker's DPoP key,
     * {@code token_type=DPoP} answers are accepted, and the tokens' {@link AccessToken#dpop()} makes the proofs for
     * resource requests.
     *
     * @since 0.2.0
     */
    public boolean dpop() {
        return dpop;
    }

    /**
     * Whether a user's consent uses the device authorization grant (RFC 8628) instead of a browser redirect: the
     * consent requirement carries a user code and a verification URI for the user to open on any device, and the
     * broker polls the token endpoint until they approve. For agents without a browser or a callback URL.
     *
     * @since 0.2.0
     */
    public boolean deviceAuthorization() {
        return deviceAuthorization;
    }

    /**
     * Whether approvals of single actions ({@link Flow#USER_APPROVAL}) go to this provider through OpenID CIBA: the
     * user approves on their own device while the broker polls (CIBA Core 1.0, poll mode).
     *
     * @since 0.3.0
     */
    public boolean backchannelAuthentication() {
        return backchannelAuthentication;
    }

    /**
     * For CIBA ping mode (CIBA Core §10.2): where the provider notifies the application that an approval was answered,
     * as registered for the client; empty for poll mode.
     *
     * @since 0.3.0
     */
    public Optional<URI> backchannelNotificationEndpoint() {
        return Optional.ofNullable(backchannelNotificationEndpoint);
    }

    /** The device authorization endpoint, when configured rather than discovered from the issuer's metadata. */
    public Optional<URI> deviceAuthorizationEndpoint() {
        return Optional.ofNullable(deviceAuthorizationEndpoint);
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
                && pkce == p.pkce && dpop == p.dpop && deviceAuthorization == p.deviceAuthorization
                && backchannelAuthentication == p.backchannelAuthentication
                && Objects.equals(backchannelNotificationEndpoint, p.backchannelNotificationEndpoint)
                && Objects.equals(deviceAuthorizationEndpoint, p.deviceAuthorizationEndpoint)
                && workloadIdentity == p.workloadIdentity
                && scopeDescriptions.equals(p.scopeDescriptions)
                && Objects.equals(identityProvider, p.identityProvider) && identityAssertion == p.identityAssertion
                && Objects.equals(identityAssertionAudience, p.identityAssertionAudience) && Objects.equals(issuerParameterRequired, p.issuerParameterRequired)
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

}
