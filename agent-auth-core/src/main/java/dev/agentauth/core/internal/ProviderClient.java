package dev.agentauth.core.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.ProviderUnavailableException;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.SigningKey;
import dev.agentauth.core.Telemetry;
import dev.agentauth.core.http.HttpTransport;
import java.io.IOException;
import java.net.URI;
import net.minidev.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to one provider's endpoints: discovery, token requests, error mapping. Thread-safe; every method blocks on
 * HTTP with the configured timeouts. Never logs or puts a secret in an exception message.
 */
final class ProviderClient {

    private static final Logger log = LoggerFactory.getLogger(ProviderClient.class);

    private final Provider provider;
    private final HttpTransport http;
    private final java.time.Clock clock;
    private final TokenResponseParser responses;
    private final DpopKeys dpop;
    private volatile Endpoints endpoints;
    private final Telemetry telemetry;

    ProviderClient(Provider provider, HttpTransport http, java.time.Clock clock, DpopKeys dpop, Telemetry telemetry) {
        this.telemetry = telemetry;
        this.dpop = dpop;
        this.provider = provider;
        this.http = http;
        this.clock = clock;
        this.responses = new TokenResponseParser(provider, clock);
    }

    Provider provider() {
        return provider;
    }

    ProviderId id() {
        return provider.id();
    }

    /** The endpoints, discovered on first use and then cached. */
    Endpoints endpoints() {
        Endpoints e = endpoints;
        if (e == null) {
            synchronized (this) {
                e = endpoints;
                if (e == null) {
                    e = discover();
                    endpoints = e;
                }
            }
        }
        return e;
    }

    private Endpoints discover() {
        URI issuer = provider.issuer().orElse(null);
        if (issuer == null) {
            return new Endpoints(null, provider.authorizationEndpoint().orElse(null),
                    provider.tokenEndpoint().orElseThrow(), provider.revocationEndpoint().orElse(null),
                    provider.issuerParameterRequired().orElse(false),
                    provider.deviceAuthorizationEndpoint().orElse(null));
        }
        if (provider.authorizationEndpoint().isPresent() && provider.tokenEndpoint().isPresent()
                && provider.issuerParameterRequired().isPresent()) {
            // Everything discovery would give is configured (e.g. by the MCP layer, which discovers metadata in the
            // order the MCP specification prescribes): keep the issuer for the RFC 9207 check, fetch nothing.
            return new Endpoints(issuer, provider.authorizationEndpoint().get(), provider.tokenEndpoint().get(),
                    provider.revocationEndpoint().orElse(null), provider.issuerParameterRequired().get(),
                    provider.deviceAuthorizationEndpoint().orElse(null));
        }
        AuthorizationServerMetadata md = resolveMetadata(issuer);
        URI authorization = provider.authorizationEndpoint().orElse(md.getAuthorizationEndpointURI());
        URI token = provider.tokenEndpoint().orElse(md.getTokenEndpointURI());
        if (token == null) {
            throw new ConfigurationException("provider '" + id() + "': the metadata of issuer " + issuer
                    + " names no token_endpoint; set token-endpoint explicitly", id(), null);
        }
        URI revocation = provider.revocationEndpoint().orElse(md.getRevocationEndpointURI());
        boolean issRequired = provider.issuerParameterRequired().orElse(md.supportsAuthorizationResponseIssuerParam());
        log.debug("provider {}: discovered endpoints from issuer {}", id(), issuer);
        URI device = provider.deviceAuthorizationEndpoint().orElse(md.getDeviceAuthorizationEndpointURI());
        return new Endpoints(issuer, authorization, token, revocation, issRequired, device,
                md.getBackChannelAuthenticationEndpointURI());
    }

    private AuthorizationServerMetadata resolveMetadata(URI issuerUri) {
        try {
            return MetadataDiscovery.resolve(http, new Issuer(issuerUri));
        } catch (GeneralException e) {
            throw new ConfigurationException("provider '" + id() + "': issuer " + issuerUri
                    + " has no usable OpenID Connect or RFC 8414 metadata (" + safeParseMessage(e)
                    + "); check the issuer URL", id(), null);
        } catch (IOException e) {
            throw new ProviderUnavailableException("provider '" + id() + "': cannot fetch metadata of issuer "
                    + issuerUri + " (" + describe(e) + "); check the issuer URL and that the provider is"
                    + " reachable, then retry", id(), null, e);
        }
    }

    /** Client authentication for the token endpoint, or {@code null} for public clients. */
    ClientAuthentication clientAuthentication() {
        ClientID clientId = new ClientID(provider.clientId());
        return switch (provider.clientAuthMethod()) {
            case CLIENT_SECRET_BASIC -> new ClientSecretBasic(clientId,
                    new com.nimbusds.oauth2.sdk.auth.Secret(provider.clientSecret().orElseThrow().reveal()));
            case CLIENT_SECRET_POST -> new ClientSecretPost(clientId,
                    new com.nimbusds.oauth2.sdk.auth.Secret(provider.clientSecret().orElseThrow().reveal()));
            case NONE -> null;
            case PRIVATE_KEY_JWT -> privateKeyJwt(clientId);
        };
    }

    /**
     * {@code private_key_jwt} (RFC 7523 §2.2): a fresh client assertion per request, {@code iss} = {@code sub} = client
     * id, {@code aud} = the token endpoint (§3: the authorization server; its token endpoint URL is what servers
     * accept) unless the provider names another audience (the issuer, per RFC 7523bis), a random {@code jti} and a
     * lifetime of minutes, signed by Nimbus.
     */
    private ClientAuthentication privateKeyJwt(ClientID clientId) {
        SigningKey key = provider.clientKey().orElseThrow();
        try {
            return new PrivateKeyJWT(clientId, provider.clientAssertionAudience().orElse(endpoints().token()),
                    JWSAlgorithm.parse(key.algorithm()),
                    key.privateKey(), key.keyId().orElse(null), null);
        } catch (JOSEException e) {
            throw new ConfigurationException("provider '" + id() + "': cannot sign the private_key_jwt client"
                    + " assertion with the configured " + key.algorithm() + " key (" + e.getClass().getSimpleName()
                    + "); check the client key", id(), null);
        }
    }

    /** Sends a token request for {@code grant} (RFC 6749 §4/§6) and parses the answer. */
    IssuedTokens requestToken(AuthorizationGrant grant, Scopes scopes, Principal principal) {
        return parseTokenResponse(sendTokenRequest(grant, scopes, principal), principal);
    }

    /** Sends a token request for {@code grant} and returns the answer unparsed (the device poller reads it first). */
    HTTPResponse sendTokenRequest(AuthorizationGrant grant, Scopes scopes, Principal principal) {
        URI tokenEndpoint = endpoints().token();
        ClientAuthentication auth = clientAuthentication();
        TokenRequest.Builder builder = auth != null
                ? new TokenRequest.Builder(tokenEndpoint, auth, grant)
                : new TokenRequest.Builder(tokenEndpoint, new ClientID(provider.clientId()), grant);
        if (scopes != null && !scopes.isEmpty()) {
            builder.scope(new Scope(scopes.values().toArray(String[]::new)));
        }
        // RFC 8707 §2.2: the same resource on every token request (code, refresh, client credentials).
        provider.resource().ifPresent(r -> builder.resources(r));
        HTTPRequest request = builder.build().toHTTPRequest();
        if (provider.tokenRequestFormat() == Provider.TokenRequestFormat.JSON) {
            toJsonBody(request);
        }
        return executeTokenRequest(request, principal);
    }

    /**
     * Sends a token request; for a DPoP provider with a fresh proof of the broker's DPoP key, and once more with the
     * authorization server's nonce when it answers {@code use_dpop_nonce} (RFC 9449 §8).
     */
    HTTPResponse executeTokenRequest(HTTPRequest request, Principal principal) {
        if (telemetry == Telemetry.NONE) {
            return executeTokenRequestOnce(request, principal);
        }
        String grantType = grantType(request);
        Telemetry.Span span = telemetry.start("agentauth.token.request").tag("provider", id().value())
                .tag("grant_type", grantType).tag("operation", "refresh_token".equals(grantType) ? "refresh" : "obtain");
        try {
            HTTPResponse response = executeTokenRequestOnce(request, principal);
            int status = response.getStatusCode();
            span.tag("outcome", status / 100 == 2 ? "success" : status / 100 == 4 ? "refused" : "failed")
                    .tag("error", status / 100 == 2 ? "none" : errorCode(response));
            return response;
        } catch (RuntimeException e) {
            span.tag("outcome", "unavailable").tag("error", "unreachable").error(e);
            throw e;
        } finally {
            span.stop();
        }
    }

    /** OAuth error codes a tag may carry (RFC 6749 §5.2, RFC 8628 §3.5, RFC 9449); any other is {@code other}. */
    private static final java.util.Set<String> KNOWN_ERRORS = java.util.Set.of("invalid_request", "invalid_client",
            "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope", "invalid_target",
            "access_denied", "authorization_pending", "slow_down", "expired_token", "use_dpop_nonce",
            "invalid_dpop_proof", "server_error", "temporarily_unavailable");

    private static String errorCode(HTTPResponse response) {
        try {
            Object error = response.getBodyAsJSONObject().get("error");
            return error instanceof String e && KNOWN_ERRORS.contains(e) ? e : "other";
        } catch (ParseException | RuntimeException e) {
            return "other";
        }
    }

    /** The request's grant type, shortened for a tag: the RFC 6749 names, {@code token_exchange}, {@code jwt_bearer}. */
    private static String grantType(HTTPRequest request) {
        String type = null;
        try {
            java.util.List<String> values = request.getBodyAsFormParameters().get("grant_type");
            type = values == null || values.isEmpty() ? null : values.get(0);
        } catch (ParseException | RuntimeException e) {
            try {
                Object value = JSONObjectUtils.parse(request.getBody()).get("grant_type");
                type = value instanceof String v ? v : null;
            } catch (ParseException | RuntimeException ignored) {
                // neither a form nor JSON: other
            }
        }
        if (type == null) {
            return "other";
        }
        return switch (type) {
            case "authorization_code", "refresh_token", "client_credentials", "password" -> type;
            case "urn:ietf:params:oauth:grant-type:token-exchange" -> "token_exchange";
            case "urn:ietf:params:oauth:grant-type:jwt-bearer" -> "jwt_bearer";
            case "urn:ietf:params:oauth:grant-type:device_code" -> "device_code";
            default -> "other";
        };
    }

    private HTTPResponse executeTokenRequestOnce(HTTPRequest request, Principal principal) {
        if (!provider.dpop()) {
            return execute(request, principal, "token endpoint");
        }
        URI endpoint = request.getURI();
        request.setHeader("DPoP", dpop.tokenRequestProof(endpoint));
        HTTPResponse response = execute(request, principal, "token endpoint");
        String nonce = response.getHeaderValue("DPoP-Nonce");
        dpop.nonce(endpoint, nonce);
        if (nonce != null && response.getStatusCode() == 400 && isUseDpopNonce(response)) {
            log.debug("provider {}: token endpoint asked for a DPoP nonce; retrying once", id());
            request.setHeader("DPoP", dpop.tokenRequestProof(endpoint));
            response = execute(request, principal, "token endpoint");
            dpop.nonce(endpoint, response.getHeaderValue("DPoP-Nonce"));
        }
        return response;
    }

    private static boolean isUseDpopNonce(HTTPResponse response) {
        try {
            return "use_dpop_nonce".equals(response.getBodyAsJSONObject().get("error"));
        } catch (ParseException e) {
            return false;
        }
    }

    /** Re-encodes a form token request as a JSON object, for providers that only take JSON (Feishu, Coze). */
    private static void toJsonBody(HTTPRequest request) {
        JSONObject json = new JSONObject();
        try {
            request.getBodyAsFormParameters().forEach((k, v) -> json.put(k, v.size() == 1 ? v.get(0) : v));
            request.setContentType("application/json; charset=utf-8");
        } catch (ParseException e) {
            throw new IllegalStateException("cannot re-encode the token request as JSON", e);
        }
        request.setBody(json.toJSONString());
    }

    /** Sends an HTTP request with the configured timeouts; connection failures become retryable errors. */
    HTTPResponse execute(HTTPRequest request, Principal principal, String what) {
        request.setAccept("application/json");
        try {
            return http.send(request);
        } catch (IOException e) {
            throw new ProviderUnavailableException("provider '" + id() + "': " + what + " " + request.getURI()
                    + " unreachable (" + describe(e) + "); the stored grant was kept, retry later",
                    id(), principal, e);
        }
    }

    IssuedTokens parseTokenResponse(HTTPResponse response, Principal principal) {
        return responses.parse(response, principal);
    }

    /**
     * Parses an answer carrying an {@code id_token} instead of an access token (Google's answer to a JWT bearer grant
     * with {@code target_audience}). Errors are mapped as for {@link #parseTokenResponse}. The ID token's own
     * {@code exp} sets its lifetime; its signature is for the receiving service to check.
     */
    IssuedTokens parseIdTokenResponse(HTTPResponse response, Principal principal) {
        JSONObject json = null;
        try {
            json = response.getBodyAsJSONObject();
        } catch (ParseException notJson) {
            // handled by parseTokenResponse below
        }
        if (response.getStatusCode() != 200 || json == null || json.get("error") != null
                || !(json.get("id_token") instanceof String idToken)) {
            parseTokenResponse(response, principal); // throws the mapped error; an access token alone is no ID token
            throw new ProviderUnavailableException("provider '" + id() + "': the token response carries no id_token;"
                    + " check that the provider issues ID tokens for a target audience", id(), principal, null);
        }
        try {
            java.util.Date exp = com.nimbusds.jwt.JWTParser.parse(idToken).getJWTClaimsSet().getExpirationTime();
            Long expiresIn = exp == null ? null : Math.min(TokenResponseParser.MAX_LIFETIME_SECONDS,
                    Math.max(0, (exp.getTime() - clock.millis()) / 1000));
            return new IssuedTokens(idToken, "Bearer", null, expiresIn, null);
        } catch (java.text.ParseException e) {
            throw new ProviderUnavailableException("provider '" + id() + "': the id_token in the token response is not"
                    + " a JWT", id(), principal, null);
        }
    }

    // Nimbus parse messages name fields, never values; keep only the first line to be sure nothing else slips in.
    private static String safeParseMessage(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        m = nl >= 0 ? m.substring(0, nl) : m;
        return m.length() > 160 ? m.substring(0, 160) : m;
    }

    static String describe(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + safeParseMessage(e) : "");
    }
}
