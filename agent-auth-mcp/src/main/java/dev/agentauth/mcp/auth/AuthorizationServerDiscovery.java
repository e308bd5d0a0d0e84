package dev.agentauth.mcp.auth;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import dev.agentauth.core.Scopes;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import net.minidev.json.JSONObject;

/**
 * Authorization server metadata of an MCP server's authorization server: for an issuer with a path, RFC 8414 with
 * path insertion, OpenID Connect with path insertion, OpenID Connect with path appending; without a path, RFC 8414
 * then OpenID Connect. Its {@code issuer} must be the one the resource metadata named (RFC 8414 §3.3, against mix-up
 * attacks), and it must advertise PKCE {@code S256}. Thread-safe; blocks on HTTP.
 */
final class AuthorizationServerDiscovery {

    private final McpHttp http;

    AuthorizationServerDiscovery(McpHttp http) {
        this.http = http;
    }

    /** The metadata of {@code issuer}, checked. */
    AuthorizationServerMetadata fetch(String issuer) {
        URI is = URI.create(issuer);
        String path = McpHttp.stripSlash(is.getRawPath());
        URI origin = McpHttp.origin(is);
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
            JSONObject json = http.getJson(candidate);
            if (json != null) {
                AuthorizationServerMetadata md = parse(json, candidate);
                if (!McpHttp.stripSlash(md.getIssuer().getValue()).equals(McpHttp.stripSlash(issuer))) {
                    throw new McpAuthorizationException("authorization server metadata for " + issuer
                            + " names issuer " + md.getIssuer() + "; refusing it (RFC 8414 §3.3)");
                }
                requireS256(md, issuer);
                return md;
            }
        }
        throw new McpAuthorizationException("authorization server " + issuer + " publishes no metadata at " + candidates
                + " (RFC 8414, OpenID Connect Discovery)");
    }

    /**
     * MCP 2025-03-26 for servers without protected resource metadata: RFC 8414 metadata at the server's origin (its
     * issuer on that origin), else the default endpoints {@code /authorize}, {@code /token}, {@code /register} there.
     *
     * @return the metadata, and whether it was published (not defaults)
     */
    Legacy fetchLegacy(URI origin) {
        JSONObject json = http.getJson(origin.resolve("/.well-known/oauth-authorization-server"));
        if (json != null) {
            AuthorizationServerMetadata md = parse(json, origin);
            // 2025-03-26 derives the metadata URL from the server's origin; the issuer may carry a path, but it must
            // at least be on that origin.
            URI issuer;
            try {
                issuer = new URI(md.getIssuer().getValue());
            } catch (java.net.URISyntaxException e) {
                issuer = null;
            }
            if (issuer == null || issuer.getScheme() == null || issuer.getHost() == null
                    || !McpHttp.origin(issuer).equals(origin)) {
                throw new McpAuthorizationException("authorization server metadata at " + origin + " names issuer "
                        + md.getIssuer() + " on another origin; refusing it");
            }
            requireS256(md, md.getIssuer().getValue());
            return new Legacy(md, true);
        }
        // 2025-03-26 "Fallbacks for Servers without Metadata Discovery": the default endpoints at the origin.
        AuthorizationServerMetadata md = new AuthorizationServerMetadata(new Issuer(origin.toString()));
        md.setAuthorizationEndpointURI(origin.resolve("/authorize"));
        md.setTokenEndpointURI(origin.resolve("/token"));
        md.setRegistrationEndpointURI(origin.resolve("/register"));
        md.setCodeChallengeMethods(List.of(CodeChallengeMethod.S256));
        return new Legacy(md, false);
    }

    record Legacy(AuthorizationServerMetadata metadata, boolean published) {
    }

    /** {@code offline_access} added when the authorization server lists it, so that the broker gets a refresh token. */
    static Scopes withOfflineAccess(Scopes scopes, AuthorizationServerMetadata md) {
        if (md.getScopes() != null && md.getScopes().contains("offline_access")) {
            return scopes.union(Scopes.of("offline_access"));
        }
        return scopes;
    }

    private static AuthorizationServerMetadata parse(JSONObject json, URI from) {
        // Where users' browsers go (RFC 8414 §2): checked on the document's own text, before the parser, so that a
        // value that does not even parse is refused by name too.
        if (json.get("authorization_endpoint") instanceof String endpoint) {
            McpHttp.requireSafeToShow(endpoint, "authorization_endpoint", "the authorization server metadata at "
                    + from);
        }
        try {
            return AuthorizationServerMetadata.parse(json);
        } catch (ParseException e) {
            throw new McpAuthorizationException("malformed authorization server metadata at " + from + ": "
                    + McpHttp.firstLine(e.getMessage()));
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
}
