package dev.agentauth.mcp.auth;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.client.ClientInformation;
import com.nimbusds.oauth2.sdk.client.ClientInformationResponse;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationErrorResponse;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.ClientAuthMethod;
import dev.agentauth.core.Secret;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client registration at an MCP server's authorization server, in the specification's order: a pre-registered
 * client, a client ID metadata document (when the server advertises {@code client_id_metadata_document_supported}),
 * dynamic registration (RFC 7591) when it has a {@code registration_endpoint}. Registrations are kept per
 * authorization server in a {@link ClientRegistrationStore}; one dynamic registration per server even when users
 * connect at once. The token endpoint authentication method is one the server supports. Thread-safe; blocks on HTTP.
 */
final class ClientRegistrar {

    private static final Logger log = LoggerFactory.getLogger(ClientRegistrar.class);

    private final McpHttp http;
    private final Map<String, ClientRegistration> preRegistered;
    private final URI clientIdMetadataDocument;
    private final boolean dynamicRegistration;
    private final String clientName;
    private final ClientRegistrationStore registrations;
    private final Supplier<URI> redirectUri;

    ClientRegistrar(McpHttp http, Map<String, ClientRegistration> preRegistered, URI clientIdMetadataDocument,
                    boolean dynamicRegistration, String clientName, ClientRegistrationStore registrations,
                    Supplier<URI> redirectUri) {
        this.http = http;
        this.preRegistered = Map.copyOf(preRegistered);
        this.clientIdMetadataDocument = clientIdMetadataDocument;
        this.dynamicRegistration = dynamicRegistration;
        this.clientName = clientName;
        this.registrations = registrations;
        this.redirectUri = redirectUri;
    }

    ClientRegistration register(String issuer, AuthorizationServerMetadata md) {
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

    /** RFC 7591 §3.1: the client's metadata posted to the registration endpoint. */
    private ClientRegistration dynamicallyRegister(String issuer, AuthorizationServerMetadata md) {
        URI redirect = redirectUri.get();
        if (redirect == null) {
            throw new McpAuthorizationException("dynamic client registration needs the broker's redirect URI:"
                    + " configure loopbackCallback() or redirectUri(...)");
        }
        ClientAuthMethod method = chooseAuthMethod(md, true, issuer);
        ClientMetadata metadata = new ClientMetadata();
        metadata.setRedirectionURI(redirect);
        metadata.setName(clientName);
        metadata.setGrantTypes(Set.of(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN));
        metadata.setResponseTypes(Set.of(ResponseType.CODE));
        metadata.setTokenEndpointAuthMethod(new ClientAuthenticationMethod(method.metadataName()));
        // MCP 2026-07-28 (SEP-837): the kind of client, so the server applies its redirect URI rules to it.
        metadata.setCustomField("application_type", applicationType(redirect));
        URI endpoint = md.getRegistrationEndpointURI();
        HTTPResponse response = http.send(new ClientRegistrationRequest(endpoint, metadata, null).toHTTPRequest(),
                "registration endpoint " + endpoint);
        ClientRegistrationResponse parsed;
        try {
            parsed = ClientRegistrationResponse.parse(response);
        } catch (ParseException e) {
            throw new McpAuthorizationException("malformed answer of registration endpoint " + endpoint + " (HTTP "
                    + response.getStatusCode() + ")");
        }
        if (parsed instanceof ClientRegistrationErrorResponse error) {
            // RFC 7591 §3.2.2: keep the server's reason; it usually names the policy that refused the client.
            String code = error.getErrorObject() != null ? error.getErrorObject().getCode() : null;
            String description = error.getErrorObject() != null ? error.getErrorObject().getDescription() : null;
            throw new McpAuthorizationException("authorization server " + issuer + " refused the dynamic client"
                    + " registration (HTTP " + response.getStatusCode() + (code != null ? ", " + code : "") + ")"
                    + (description != null && !description.isBlank() ? ": " + McpHttp.firstLine(
                    description.length() > 300 ? description.substring(0, 300) + "…" : description) : "")
                    + "; ask its administrator to allow this client, or configure a pre-registered client");
        }
        ClientInformation info = ((ClientInformationResponse) parsed).getClientInformation();
        ClientAuthenticationMethod granted = info.getMetadata() != null
                ? info.getMetadata().getTokenEndpointAuthMethod() : null;
        ClientAuthMethod effective = granted != null ? toMethod(granted) : method;
        Secret secret = info.getSecret() != null && info.getSecret().getValue() != null
                ? Secret.of(info.getSecret().getValue()) : null;
        if (effective != ClientAuthMethod.NONE && secret == null) {
            effective = ClientAuthMethod.NONE; // registered without a secret: a public client
        }
        log.info("registered client {} at authorization server {} (RFC 7591, {}; dynamic registration is deprecated"
                + " in MCP 2026-07-28: prefer a client ID metadata document)", info.getID(), issuer,
                effective.metadataName());
        return new ClientRegistration(issuer, info.getID().getValue(), secret, effective,
                ClientRegistration.Source.DYNAMIC);
    }

    /**
     * {@code native} for a client whose redirect URI is a loopback address or a private-use scheme (a CLI, a desktop
     * or a local agent: OAuth 2.0 for Native Apps, RFC 8252), {@code web} for one with an HTTPS redirect on a host.
     */
    static String applicationType(URI redirect) {
        String scheme = redirect.getScheme() == null ? "" : redirect.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "native";
        }
        String host = redirect.getHost() == null ? "" : redirect.getHost().toLowerCase(java.util.Locale.ROOT);
        boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]")
                || host.equals("::1");
        return loopback ? "native" : "web";
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

    @Override
    public String toString() {
        return "preRegistered=" + preRegistered.keySet() + ", cimd=" + clientIdMetadataDocument
                + ", dynamicRegistration=" + dynamicRegistration + ", registrations=" + registrations;
    }
}
