package dev.agentauth.mcp.auth;

import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderBuilder;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import net.minidev.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MCP authorization (specification 2025-11-25, "Authorization") for servers that have no pre-configured provider:
 * from a server's 401 challenge to a {@link Provider} registered with the {@link TokenBroker}, so that the broker's
 * usual consent, refresh and storage apply to the server's tokens.
 *
 * <ol>
 *   <li><b>Protected resource metadata</b> (RFC 9728): the {@code resource_metadata} URL of the
 *       {@code WWW-Authenticate} challenge when present, otherwise the well-known URIs in the specification's order —
 *       path-specific ({@code /.well-known/oauth-protected-resource/<path>}) then root. Its {@code resource} must
 *       identify the server that was called (same origin, path a prefix of the endpoint's), else it is refused.</li>
 *   <li><b>Authorization server metadata</b>: for an issuer with a path, RFC 8414 with path insertion, OpenID
 *       Connect with path insertion, OpenID Connect with path appending; without a path, RFC 8414 then OpenID Connect.
 *       Its {@code issuer} must be the one named by the resource metadata (RFC 8414 §3.3, against mix-up attacks).
 *       No {@code S256} in {@code code_challenge_methods_supported}: refused.</li>
 *   <li><b>Client registration</b>, in the specification's order: a pre-registered client, a client ID metadata
 *       document (when the server advertises {@code client_id_metadata_document_supported}), dynamic registration
 *       (RFC 7591) when it has a {@code registration_endpoint}. Registrations are kept per authorization server in a
 *       {@link ClientRegistrationStore}. The token endpoint authentication method is one the server supports.</li>
 *   <li><b>Scopes</b>: the challenge's {@code scope}, else the resource metadata's {@code scopes_supported}, else
 *       none (the parameter is omitted). {@code offline_access} is added when the authorization server lists it, so
 *       that the broker gets a refresh token.</li>
 *   <li>The provider carries the server's canonical URI as RFC 8707 {@code resource}, sent on authorization and
 *       token requests, so tokens are issued for that server only.</li>
 * </ol>
 *
 * <p>Servers without protected resource metadata get the 2025-03-26 behaviour (RFC 8414 metadata at the server's
 * origin, else {@code /authorize}, {@code /token}, {@code /register} there) unless {@link Builder#legacyDiscovery}
 * is off.
 *
 * <p>Every request goes through the broker's HTTP client ({@link TokenBroker#httpClient()}); the parts are
 * {@code ResourceMetadataDiscovery}, {@code AuthorizationServerDiscovery} and {@code ClientRegistrar}.
 *
 * <p>Thread-safe. {@link #discover} blocks on HTTP (bounded by the configured timeouts); callers cache its result.
 */
public final class McpAuthorization {

    private static final Logger log = LoggerFactory.getLogger(McpAuthorization.class);

    private final TokenBroker broker;
    private final boolean legacyDiscovery;
    private final ResourceMetadataDiscovery resources;
    private final AuthorizationServerDiscovery authorizationServers;
    private final ClientRegistrar registrar;
    private final boolean dpop;
    private final dev.agentauth.core.AssertionSource workloadIdentity;
    private final String identityProvider;
    private final dev.agentauth.core.AssertionSource idToken;

    private McpAuthorization(Builder b) {
        this.broker = b.broker;
        this.legacyDiscovery = b.legacyDiscovery;
        this.dpop = b.dpop;
        this.workloadIdentity = b.workloadIdentity;
        this.identityProvider = b.identityProvider;
        this.idToken = b.idToken;
        McpHttp http = new McpHttp(b.broker.httpClient(), b.timeout != null ? b.timeout : b.broker.httpTimeout());
        this.resources = new ResourceMetadataDiscovery(http);
        this.authorizationServers = new AuthorizationServerDiscovery(http);
        this.registrar = new ClientRegistrar(http, b.preRegistered, b.clientIdMetadataDocument,
                b.dynamicRegistration, b.clientName, b.registrations, () -> b.broker.redirectUri().orElse(null));
    }

    public static Builder builder(TokenBroker broker) {
        return new Builder(broker);
    }

    /** The outcome of discovery for one MCP server: its provider (registered with the broker) and initial scopes. */
    public record Discovered(Provider provider, Scopes scopes, URI resource, String authorizationServer) {
    }

    /**
     * Discovers the authorization of the MCP server at {@code endpoint} from the challenge of its 401 answer, and
     * registers the resulting provider with the broker (idempotent). Blocks on HTTP.
     *
     * @param displayName shown on consent cards
     * @throws McpAuthorizationException the server's authorization cannot be used (see the class comment)
     */
    public Discovered discover(URI endpoint, WwwAuthenticate challenge, String displayName) {
        Objects.requireNonNull(endpoint, "endpoint");
        challenge = challenge == null ? WwwAuthenticate.NONE : challenge;
        JSONObject prm = resources.fetch(endpoint, challenge);
        if (prm == null) {
            if (!legacyDiscovery) {
                throw new McpAuthorizationException("MCP server " + endpoint + " publishes no protected resource"
                        + " metadata (RFC 9728) at its WWW-Authenticate resource_metadata or well-known URIs;"
                        + " configure a provider for it");
            }
            return legacyDiscover(endpoint, challenge, displayName);
        }
        URI resource = ResourceMetadataDiscovery.resourceOf(prm, endpoint);
        List<String> servers = McpHttp.stringList(prm, "authorization_servers");
        if (servers.isEmpty()) {
            throw new McpAuthorizationException("the protected resource metadata of " + endpoint
                    + " names no authorization_servers (RFC 9728 §2)");
        }
        // RFC 9728 §7.6: the client chooses; the first one is the server's own preference. MCP authorization wants it
        // on https like every authorization server URL; a value without a host would fail further on.
        McpHttp.requireSafeToShow(servers.get(0), "authorization server (authorization_servers)",
                "the protected resource metadata of " + endpoint);
        AuthorizationServerMetadata md = authorizationServers.fetch(servers.get(0));
        Scopes scopes = !challenge.scope().isEmpty() ? challenge.scope()
                : Scopes.of(McpHttp.stringList(prm, "scopes_supported"));
        scopes = AuthorizationServerDiscovery.withOfflineAccess(scopes, md);
        ClientRegistration registration = registrar.register(md.getIssuer().getValue(), md);
        Provider provider = provider(md, registration, resource, displayName, true);
        log.info("MCP server {}: authorization server {}, client {} ({}), resource {}", endpoint, md.getIssuer(),
                registration.clientId(), registration.source(), resource);
        return new Discovered(broker.registerProvider(provider), scopes, resource, md.getIssuer().getValue());
    }

    /** MCP 2025-03-26, for servers without protected resource metadata. */
    private Discovered legacyDiscover(URI endpoint, WwwAuthenticate challenge, String displayName) {
        URI origin = McpHttp.origin(endpoint);
        URI resource = McpHttp.canonical(endpoint);
        AuthorizationServerDiscovery.Legacy legacy = authorizationServers.fetchLegacy(origin);
        AuthorizationServerMetadata md = legacy.metadata();
        ClientRegistration registration = registrar.register(md.getIssuer().getValue(), md);
        Provider provider = provider(md, registration, resource, displayName, legacy.published());
        log.info("MCP server {}: no protected resource metadata; 2025-03-26 discovery at {} ({})", endpoint, origin,
                legacy.published() ? "metadata" : "default endpoints");
        return new Discovered(broker.registerProvider(provider),
                AuthorizationServerDiscovery.withOfflineAccess(challenge.scope(), md), resource,
                md.getIssuer().getValue());
    }

    /**
     * The provider for one (authorization server, resource, client): it carries the server's canonical URI as RFC 8707
     * {@code resource}, sent on authorization and token requests, so tokens are issued for that server only.
     */
    private Provider provider(AuthorizationServerMetadata md, ClientRegistration reg, URI resource,
                              String displayName, boolean withIssuer) {
        String issuer = md.getIssuer().getValue();
        String id = "mcp." + shortHash(issuer + "|" + resource + "|" + reg.clientId() + "|"
                + reg.authMethod().metadataName());
        ProviderBuilder b = Provider.oauth2(id)
                .displayName(displayName != null ? displayName : resource.getHost())
                .authorizationEndpoint(md.getAuthorizationEndpointURI().toString())
                .tokenEndpoint(md.getTokenEndpointURI().toString())
                .clientId(reg.clientId())
                .clientAuthMethod(reg.authMethod())
                .pkce(true)
                .resource(resource)
                // Endpoints and the RFC 9207 flag are final here: the broker fetches no metadata of its own.
                .issuerParameterRequired(md.supportsAuthorizationResponseIssuerParam())
                // RFC 9449 §5.1: the server signs DPoP-bound tokens for proofs of an algorithm it lists.
                .dpop(dpop && md.getDPoPJWSAlgs() != null
                        && md.getDPoPJWSAlgs().contains(com.nimbusds.jose.JWSAlgorithm.ES256));
        if (withIssuer) {
            b.issuer(issuer);
        }
        if (workloadIdentity != null) {
            b.workloadIdentity(workloadIdentity); // with Flow.WORKLOAD_IDENTITY
        }
        if (identityProvider != null) {
            b.identityAssertion(identityProvider, idToken); // with Flow.IDENTITY_ASSERTION
        }
        if (md.getRevocationEndpointURI() != null) {
            b.revocationEndpoint(md.getRevocationEndpointURI().toString());
        }
        reg.secret().ifPresent(b::clientSecret);
        if (reg.clientKey() != null) {
            // RFC 7523bis: the assertion's audience is the authorization server's issuer identifier.
            b.clientKey(reg.clientKey()).clientAssertionAudience(URI.create(issuer));
        }
        return b.build();
    }

    /** RFC 8707 / MCP "Canonical Server URI": lower-case scheme and host, no fragment, no trailing slash. */
    public static URI canonical(URI uri) {
        return McpHttp.canonical(uri);
    }

    static boolean covers(URI resource, URI endpoint) {
        return ResourceMetadataDiscovery.covers(resource, endpoint);
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    @Override
    public String toString() {
        return "McpAuthorization[" + registrar + "]";
    }

    /** Builds an {@link McpAuthorization}. Not thread-safe. */
    public static final class Builder {
        private final TokenBroker broker;
        private final Map<String, ClientRegistration> preRegistered = new LinkedHashMap<>();
        private URI clientIdMetadataDocument;
        private boolean dynamicRegistration = true;
        private String clientName = "agent-auth";
        private ClientRegistrationStore registrations = ClientRegistrationStore.inMemory();
        private boolean legacyDiscovery = true;
        private boolean dpop = true;
        private dev.agentauth.core.AssertionSource workloadIdentity;
        private String identityProvider;
        private dev.agentauth.core.AssertionSource idToken;
        private Duration timeout;

        private Builder(TokenBroker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
        }

        /**
         * A client registered in advance. With an authorization server of {@code "*"} (see
         * {@link ClientRegistration#preRegistered(String, Secret)}) it is used with every authorization server.
         */
        public Builder preRegisteredClient(ClientRegistration registration) {
            Objects.requireNonNull(registration, "registration");
            preRegistered.put(registration.authorizationServer(), registration);
            return this;
        }

        /**
         * The HTTPS URL of this client's client ID metadata document, used as client id where the authorization
         * server advertises {@code client_id_metadata_document_supported}. The document must list the broker's
         * redirect URI.
         */
        public Builder clientIdMetadataDocument(URI url) {
            if (url != null && (!"https".equalsIgnoreCase(url.getScheme()) || McpHttp.stripSlash(url.getRawPath()).isEmpty())) {
                throw new IllegalArgumentException("a client ID metadata document URL must be https with a path: "
                        + url);
            }
            this.clientIdMetadataDocument = url;
            return this;
        }

        /** Whether RFC 7591 dynamic registration may be used (default true). */
        public Builder dynamicRegistration(boolean enabled) {
            this.dynamicRegistration = enabled;
            return this;
        }

        /** The {@code client_name} sent on dynamic registration. */
        public Builder clientName(String name) {
            this.clientName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Where dynamic registrations are kept, per authorization server (default: in memory). */
        public Builder registrationStore(ClientRegistrationStore store) {
            this.registrations = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Whether tokens are requested DPoP-bound (RFC 9449) from authorization servers that list {@code ES256} in
         * {@code dpop_signing_alg_values_supported} (default true): sender-constrained tokens, useless to whoever
         * steals them without the agent's key.
         *
         * @since 0.2.0
         */
        public Builder dpop(boolean enabled) {
            this.dpop = enabled;
            return this;
        }

        /**
         * Workload identity for discovered servers: the servers' tokens are obtained with
         * {@link dev.agentauth.core.Flow#WORKLOAD_IDENTITY} (build the server with that flow), the JWT bearer grant
         * with the platform's token from {@code source} as assertion, using the pre-registered client.
         *
         * @since 0.2.0
         */
        public Builder workloadIdentity(dev.agentauth.core.AssertionSource source) {
            this.workloadIdentity = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Enterprise-managed authorization for discovered servers ({@link dev.agentauth.core.Flow#IDENTITY_ASSERTION};
         * build the server with that flow): the user's ID token from {@code idToken} is exchanged at provider
         * {@code identityProvider} (the enterprise identity provider, registered with the broker) for an identity
         * assertion addressed to the server's authorization server, which issues the server's token for it.
         *
         * @since 0.2.0
         */
        public Builder identityAssertion(String identityProvider, dev.agentauth.core.AssertionSource idToken) {
            this.identityProvider = Objects.requireNonNull(identityProvider, "identityProvider");
            this.idToken = Objects.requireNonNull(idToken, "idToken");
            return this;
        }

        /** Whether servers without protected resource metadata get the 2025-03-26 discovery (default true). */
        public Builder legacyDiscovery(boolean enabled) {
            this.legacyDiscovery = enabled;
            return this;
        }

        /**
         * Timeout of each metadata and registration request once connected (default: the broker's
         * {@link TokenBroker#httpTimeout()}). Connections are the broker's client's.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public McpAuthorization build() {
            return new McpAuthorization(this);
        }
    }
}
