package dev.agentauth.mcp.auth;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.client.ClientInformation;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationErrorResponse;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import dev.agentauth.core.ClientAuthMethod;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
 * <p>Thread-safe. {@link #discover} blocks on HTTP (bounded by the configured timeouts); callers cache its result.
 */
public final class McpAuthorization {

    private static final Logger log = LoggerFactory.getLogger(McpAuthorization.class);
    private static final String PRM_WELL_KNOWN = "/.well-known/oauth-protected-resource";

    private final TokenBroker broker;
    private final Map<String, ClientRegistration> preRegistered;
    private final URI clientIdMetadataDocument;
    private final boolean dynamicRegistration;
    private final String clientName;
    private final ClientRegistrationStore registrations;
    private final boolean legacyDiscovery;
    private final HttpClient http;
    private final Duration timeout;

    private McpAuthorization(Builder b) {
        this.broker = b.broker;
        this.preRegistered = Map.copyOf(b.preRegistered);
        this.clientIdMetadataDocument = b.clientIdMetadataDocument;
        this.dynamicRegistration = b.dynamicRegistration;
        this.clientName = b.clientName;
        this.registrations = b.registrations;
        this.legacyDiscovery = b.legacyDiscovery;
        this.timeout = b.timeout;
        this.http = HttpClient.newBuilder().connectTimeout(b.timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
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
        JSONObject prm = fetchProtectedResourceMetadata(endpoint, challenge);
        if (prm == null) {
            if (!legacyDiscovery) {
                throw new McpAuthorizationException("MCP server " + endpoint + " publishes no protected resource"
                        + " metadata (RFC 9728) at its WWW-Authenticate resource_metadata or well-known URIs;"
                        + " configure a provider for it");
            }
            return legacyDiscover(endpoint, challenge, displayName);
        }
        URI resource = resourceOf(prm, endpoint);
        List<String> servers = stringList(prm, "authorization_servers");
        if (servers.isEmpty()) {
            throw new McpAuthorizationException("the protected resource metadata of " + endpoint
                    + " names no authorization_servers (RFC 9728 §2)");
        }
        // RFC 9728 §7.6: the client chooses; the first one is the server's own preference.
        String issuer = servers.get(0);
        AuthorizationServerMetadata md = fetchAuthorizationServerMetadata(issuer);
        if (!sameIssuer(md.getIssuer().getValue(), issuer)) {
            throw new McpAuthorizationException("authorization server metadata for " + issuer + " names issuer "
                    + md.getIssuer() + "; refusing it (RFC 8414 §3.3)");
        }
        requireS256(md, issuer);
        Scopes scopes = !challenge.scope().isEmpty() ? challenge.scope() : Scopes.of(stringList(prm, "scopes_supported"));
        scopes = withOfflineAccess(scopes, md);
        ClientRegistration registration = register(md.getIssuer().getValue(), md);
        Provider provider = provider(md, registration, resource, displayName, true);
        log.info("MCP server {}: authorization server {}, client {} ({}), resource {}", endpoint, md.getIssuer(),
                registration.clientId(), registration.source(), resource);
        return new Discovered(broker.registerProvider(provider), scopes, resource, md.getIssuer().getValue());
    }

    // ------------------------------------------------------------------------------------- RFC 9728 metadata

    private JSONObject fetchProtectedResourceMetadata(URI endpoint, WwwAuthenticate challenge) {
        List<URI> candidates = new ArrayList<>();
        challenge.resourceMetadataUri().ifPresent(candidates::add);
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (!path.isEmpty()) {
            candidates.add(origin(endpoint).resolve(PRM_WELL_KNOWN + path));
        }
        candidates.add(origin(endpoint).resolve(PRM_WELL_KNOWN));
        for (URI candidate : candidates) {
            JSONObject json = getJson(candidate);
            if (json != null) {
                return json;
            }
        }
        return null;
    }

    /** The resource identifier of the metadata; it must identify the server that was called. */
    private static URI resourceOf(JSONObject prm, URI endpoint) {
        Object r = prm.get("resource");
        if (!(r instanceof String s) || s.isBlank()) {
            throw new McpAuthorizationException("the protected resource metadata of " + endpoint
                    + " has no resource (RFC 9728 §2)");
        }
        URI resource;
        try {
            resource = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new McpAuthorizationException("the protected resource metadata of " + endpoint
                    + " has a malformed resource");
        }
        if (!covers(resource, endpoint)) {
            // RFC 9728 §3.3: metadata for another resource must not be used (it would send the user's token there).
            throw new McpAuthorizationException("the protected resource metadata of " + endpoint + " is for "
                    + resource + ", not for this server; refusing it (RFC 9728 §3.3)");
        }
        return canonical(resource);
    }

    /** Same origin, and the resource's path is the endpoint's path or a parent of it at a segment boundary. */
    static boolean covers(URI resource, URI endpoint) {
        if (!resource.isAbsolute() || resource.getRawFragment() != null) {
            return false;
        }
        if (!origin(resource).equals(origin(endpoint))) {
            return false;
        }
        String rp = stripSlash(resource.getRawPath());
        String ep = stripSlash(endpoint.getRawPath());
        return ep.equals(rp) || rp.isEmpty() || ep.startsWith(rp + "/");
    }

    // ------------------------------------------------------------------------------------- RFC 8414 metadata

    private AuthorizationServerMetadata fetchAuthorizationServerMetadata(String issuer) {
        URI is = URI.create(issuer);
        String path = stripSlash(is.getRawPath());
        URI origin = origin(is);
        List<URI> candidates = new ArrayList<>();
        if (!path.isEmpty()) {
            candidates.add(origin.resolve("/.well-known/oauth-authorization-server" + path));
            candidates.add(origin.resolve("/.well-known/openid-configuration" + path));
            candidates.add(origin.resolve(path + "/.well-known/openid-configuration"));
        } else {
            candidates.add(origin.resolve("/.well-known/oauth-authorization-server"));
            candidates.add(origin.resolve("/.well-known/openid-configuration"));
        }
        for (URI candidate : candidates) {
            JSONObject json = getJson(candidate);
            if (json != null) {
                return parseMetadata(json, candidate);
            }
        }
        throw new McpAuthorizationException("authorization server " + issuer + " publishes no metadata at " + candidates
                + " (RFC 8414, OpenID Connect Discovery)");
    }

    private static AuthorizationServerMetadata parseMetadata(JSONObject json, URI from) {
        try {
            return AuthorizationServerMetadata.parse(json);
        } catch (ParseException e) {
            throw new McpAuthorizationException("malformed authorization server metadata at " + from + ": "
                    + firstLine(e.getMessage()));
        }
    }

    private static void requireS256(AuthorizationServerMetadata md, String issuer) {
        List<CodeChallengeMethod> methods = md.getCodeChallengeMethods();
        if (methods == null || !methods.contains(CodeChallengeMethod.S256)) {
            // MCP 2025-11-25 "Authorization Code Protection": without advertised S256 the client MUST refuse.
            throw new McpAuthorizationException("authorization server " + issuer + " does not advertise PKCE S256"
                    + " (code_challenge_methods_supported); refusing to authorize against it");
        }
    }

    private static Scopes withOfflineAccess(Scopes scopes, AuthorizationServerMetadata md) {
        if (md.getScopes() != null && md.getScopes().contains("offline_access")) {
            return scopes.union(Scopes.of("offline_access"));
        }
        return scopes;
    }

    // ---------------------------------------------------------------------------------- 2025-03-26 fallback

    private Discovered legacyDiscover(URI endpoint, WwwAuthenticate challenge, String displayName) {
        URI origin = origin(endpoint);
        URI resource = canonical(endpoint);
        JSONObject json = getJson(origin.resolve("/.well-known/oauth-authorization-server"));
        AuthorizationServerMetadata md;
        boolean fromMetadata = json != null;
        if (fromMetadata) {
            md = parseMetadata(json, origin);
            // 2025-03-26 derives the metadata URL from the server's origin; the issuer may carry a path, but it must
            // at least be on that origin.
            if (!origin(URI.create(md.getIssuer().getValue())).equals(origin)) {
                throw new McpAuthorizationException("authorization server metadata at " + origin + " names issuer "
                        + md.getIssuer() + " on another origin; refusing it");
            }
            requireS256(md, md.getIssuer().getValue());
        } else {
            // 2025-03-26 "Fallbacks for Servers without Metadata Discovery": the default endpoints at the origin.
            md = new AuthorizationServerMetadata(new com.nimbusds.oauth2.sdk.id.Issuer(origin.toString()));
            md.setAuthorizationEndpointURI(origin.resolve("/authorize"));
            md.setTokenEndpointURI(origin.resolve("/token"));
            md.setRegistrationEndpointURI(origin.resolve("/register"));
            md.setCodeChallengeMethods(List.of(CodeChallengeMethod.S256));
        }
        ClientRegistration registration = register(md.getIssuer().getValue(), md);
        Provider provider = provider(md, registration, resource, displayName, fromMetadata);
        log.info("MCP server {}: no protected resource metadata; 2025-03-26 discovery at {} ({})", endpoint, origin,
                fromMetadata ? "metadata" : "default endpoints");
        return new Discovered(broker.registerProvider(provider), withOfflineAccess(challenge.scope(), md), resource,
                md.getIssuer().getValue());
    }

    // ---------------------------------------------------------------------------------------- registration

    private ClientRegistration register(String issuer, AuthorizationServerMetadata md) {
        ClientRegistration pre = preRegistered.get(issuer);
        if (pre == null) {
            pre = preRegistered.get("*");
        }
        if (pre != null) {
            if (pre.clientKey() != null) {
                return pre.forAuthorizationServer(issuer); // private_key_jwt: the key decides, not the server's list
            }
            ClientAuthMethod method = pre.clientSecret() == null ? ClientAuthMethod.NONE
                    : chooseAuthMethod(md, true, issuer);
            return new ClientRegistration(issuer, pre.clientId(), pre.clientSecret(), method,
                    ClientRegistration.Source.PRE_REGISTERED);
        }
        ClientRegistration stored = registrations.find(issuer).orElse(null);
        if (stored != null) {
            return stored;
        }
        if (clientIdMetadataDocument != null
                && Boolean.TRUE.equals(md.getCustomParameter("client_id_metadata_document_supported"))) {
            return new ClientRegistration(issuer, clientIdMetadataDocument.toString(), null, ClientAuthMethod.NONE,
                    ClientRegistration.Source.CLIENT_ID_METADATA_DOCUMENT);
        }
        if (dynamicRegistration && md.getRegistrationEndpointURI() != null) {
            synchronized (registrations) {
                // One registration per authorization server, even when users connect at once.
                stored = registrations.find(issuer).orElse(null);
                if (stored == null) {
                    stored = dynamicallyRegister(issuer, md);
                    registrations.save(stored);
                }
                return stored;
            }
        }
        throw new McpAuthorizationException("no client registration is possible at authorization server " + issuer
                + ": it supports neither client ID metadata documents nor dynamic registration; configure a"
                + " pre-registered client for it");
    }

    private ClientRegistration dynamicallyRegister(String issuer, AuthorizationServerMetadata md) {
        URI redirect = broker.redirectUri().orElseThrow(() -> new McpAuthorizationException(
                "dynamic client registration needs the broker's redirect URI: configure loopbackCallback() or"
                        + " redirectUri(...)"));
        ClientAuthMethod method = chooseAuthMethod(md, true, issuer);
        ClientMetadata metadata = new ClientMetadata();
        metadata.setRedirectionURI(redirect);
        metadata.setName(clientName);
        metadata.setGrantTypes(java.util.Set.of(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN));
        metadata.setResponseTypes(java.util.Set.of(ResponseType.CODE));
        metadata.setTokenEndpointAuthMethod(new ClientAuthenticationMethod(method.metadataName()));
        HTTPRequest request = new ClientRegistrationRequest(md.getRegistrationEndpointURI(), metadata, null)
                .toHTTPRequest();
        request.setConnectTimeout((int) timeout.toMillis());
        request.setReadTimeout((int) timeout.toMillis());
        HTTPResponse response;
        try {
            response = request.send();
        } catch (IOException e) {
            throw new McpAuthorizationException("registration endpoint " + md.getRegistrationEndpointURI()
                    + " unreachable (" + e.getClass().getSimpleName() + "); retry later", true, e);
        }
        ClientRegistrationResponse parsed;
        try {
            parsed = ClientRegistrationResponse.parse(response);
        } catch (ParseException e) {
            throw new McpAuthorizationException("malformed answer of registration endpoint "
                    + md.getRegistrationEndpointURI() + " (HTTP " + response.getStatusCode() + ")");
        }
        if (parsed instanceof ClientRegistrationErrorResponse error) {
            throw new McpAuthorizationException("authorization server " + issuer + " refused the dynamic client"
                    + " registration: " + (error.getErrorObject() != null ? error.getErrorObject().getCode() : "?"));
        }
        ClientInformation info = ((com.nimbusds.oauth2.sdk.client.ClientInformationResponse) parsed)
                .getClientInformation();
        ClientAuthenticationMethod granted = info.getMetadata() != null
                ? info.getMetadata().getTokenEndpointAuthMethod() : null;
        ClientAuthMethod effective = granted != null ? toMethod(granted) : method;
        Secret secret = info.getSecret() != null && info.getSecret().getValue() != null
                ? Secret.of(info.getSecret().getValue()) : null;
        if (effective != ClientAuthMethod.NONE && secret == null) {
            effective = ClientAuthMethod.NONE; // registered without a secret: a public client
        }
        log.info("registered client {} at authorization server {} (RFC 7591, {})", info.getID(), issuer,
                effective.metadataName());
        return new ClientRegistration(issuer, info.getID().getValue(), secret, effective,
                ClientRegistration.Source.DYNAMIC);
    }

    /** A method the server supports: a confidential one when we have (or will get) a secret, else {@code none}. */
    private static ClientAuthMethod chooseAuthMethod(AuthorizationServerMetadata md, boolean confidential,
                                                     String issuer) {
        List<ClientAuthenticationMethod> supported = md.getTokenEndpointAuthMethods();
        if (supported == null || supported.isEmpty()) {
            // RFC 8414 §2: the default is client_secret_basic.
            supported = List.of(ClientAuthenticationMethod.CLIENT_SECRET_BASIC);
        }
        if (confidential && supported.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)) {
            return ClientAuthMethod.CLIENT_SECRET_BASIC;
        }
        if (confidential && supported.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST)) {
            return ClientAuthMethod.CLIENT_SECRET_POST;
        }
        if (supported.contains(ClientAuthenticationMethod.NONE)) {
            return ClientAuthMethod.NONE;
        }
        throw new McpAuthorizationException("authorization server " + issuer + " supports only token endpoint"
                + " authentication methods " + supported + "; this client supports client_secret_basic,"
                + " client_secret_post and none");
    }

    private static ClientAuthMethod toMethod(ClientAuthenticationMethod m) {
        try {
            return ClientAuthMethod.fromMetadataName(m.getValue());
        } catch (IllegalArgumentException e) {
            throw new McpAuthorizationException("the registration assigned token endpoint authentication method "
                    + m.getValue() + ", which this client does not support");
        }
    }

    // ------------------------------------------------------------------------------------------- provider

    private Provider provider(AuthorizationServerMetadata md, ClientRegistration reg, URI resource,
                              String displayName, boolean withIssuer) {
        String issuer = md.getIssuer().getValue();
        String id = "mcp." + shortHash(issuer + "|" + resource + "|" + reg.clientId() + "|"
                + reg.authMethod().metadataName());
        Provider.Builder b = Provider.oauth2(id)
                .displayName(displayName != null ? displayName : resource.getHost())
                .authorizationEndpoint(md.getAuthorizationEndpointURI().toString())
                .tokenEndpoint(md.getTokenEndpointURI().toString())
                .clientId(reg.clientId())
                .clientAuthMethod(reg.authMethod())
                .pkce(true)
                .resource(resource)
                // Endpoints and the RFC 9207 flag are final here: the broker fetches no metadata of its own.
                .issuerParameterRequired(md.supportsAuthorizationResponseIssuerParam());
        if (withIssuer) {
            b.issuer(issuer);
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

    // ---------------------------------------------------------------------------------------------- helpers

    /** GET {@code uri} as JSON; {@code null} for any non-200 answer or a body that is not a JSON object. */
    private JSONObject getJson(URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json")
                .GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new McpAuthorizationException("metadata URL " + uri + " unreachable (" + e.getClass().getSimpleName()
                    + "); retry later", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpAuthorizationException("interrupted while fetching " + uri, true, e);
        }
        if (response.statusCode() != 200) {
            log.debug("metadata candidate {}: HTTP {}", uri, response.statusCode());
            return null;
        }
        try {
            return JSONObjectUtils.parse(response.body());
        } catch (ParseException e) {
            log.debug("metadata candidate {}: not a JSON object", uri);
            return null;
        }
    }

    private static List<String> stringList(JSONObject json, String name) {
        Object v = json.get(name);
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof String s && !s.isBlank()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    static URI origin(URI uri) {
        int port = uri.getPort();
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (port == ("https".equals(scheme) ? 443 : 80)) {
            port = -1;
        }
        return URI.create(scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (port >= 0 ? ":" + port : "")
                + "/");
    }

    /** RFC 8707 / MCP "Canonical Server URI": lower-case scheme and host, no fragment, no trailing slash. */
    public static URI canonical(URI uri) {
        URI o = origin(uri);
        String path = stripSlash(uri.getRawPath());
        String base = o.toString();
        base = base.substring(0, base.length() - 1);
        return URI.create(base + path + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : ""));
    }

    private static String stripSlash(String path) {
        if (path == null) {
            return "";
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static boolean sameIssuer(String a, String b) {
        return stripSlash(a).equals(stripSlash(b));
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "";
        }
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }

    @Override
    public String toString() {
        return "McpAuthorization[preRegistered=" + preRegistered.keySet() + ", cimd=" + clientIdMetadataDocument
                + ", dynamicRegistration=" + dynamicRegistration + ", registrations=" + registrations + "]";
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
        private Duration timeout = Duration.ofSeconds(10);

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
            if (url != null && (!"https".equalsIgnoreCase(url.getScheme()) || stripSlash(url.getRawPath()).isEmpty())) {
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

        /** Whether servers without protected resource metadata get the 2025-03-26 discovery (default true). */
        public Builder legacyDiscovery(boolean enabled) {
            this.legacyDiscovery = enabled;
            return this;
        }

        /** Connect and read timeout of each metadata and registration request (default 10 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public McpAuthorization build() {
            return new McpAuthorization(this);
        }
    }
}
