package dev.agentauth.verify;

import dev.agentauth.core.Scopes;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import net.minidev.json.JSONArray;
import net.minidev.json.JSONObject;

/**
 * OAuth 2.0 protected resource metadata (RFC 9728): tells a client (an MCP client, say) which authorization servers
 * issue tokens for this resource and which scopes it knows. The filters serve it at {@link #metadataPath()} and point
 * to it from their {@code WWW-Authenticate} challenges. Immutable and thread-safe.
 *
 * @param resource             the resource identifier (RFC 9728 §2): an absolute https (or loopback http) URL without
 *                             fragment, e.g. {@code https://mcp.example.com/mcp}
 * @param authorizationServers issuer identifiers of the authorization servers
 * @param scopesSupported      scopes clients may ask for; may be empty
 * @param resourceName         a human-readable name, or {@code null}
 */
public record ProtectedResourceMetadata(URI resource, List<URI> authorizationServers, Scopes scopesSupported,
                                        String resourceName) {

    /** RFC 9728 §3: the well-known suffix. */
    public static final String WELL_KNOWN = "/.well-known/oauth-protected-resource";

    public ProtectedResourceMetadata {
        Objects.requireNonNull(resource, "resource");
        if (!resource.isAbsolute() || resource.getHost() == null || resource.getRawFragment() != null
                || resource.getRawQuery() != null) {
            throw new IllegalArgumentException("resource must be an absolute URL without query or fragment"
                    + " (RFC 9728 §1.2), was " + resource);
        }
        authorizationServers = List.copyOf(authorizationServers);
        if (authorizationServers.isEmpty()) {
            throw new IllegalArgumentException("name at least one authorization server");
        }
        Objects.requireNonNull(scopesSupported, "scopesSupported");
    }

    /** Metadata for {@code resource}, whose tokens come from {@code authorizationServers}. */
    public static ProtectedResourceMetadata of(String resource, String... authorizationServers) {
        List<URI> servers = new ArrayList<>();
        Arrays.stream(authorizationServers).map(URI::create).forEach(servers::add);
        return new ProtectedResourceMetadata(URI.create(resource), servers, Scopes.NONE, null);
    }

    /** The same metadata listing {@code scopes} as supported. */
    public ProtectedResourceMetadata withScopes(String... scopes) {
        return new ProtectedResourceMetadata(resource, authorizationServers, Scopes.of(scopes), resourceName);
    }

    /** The same metadata with a human-readable name. */
    public ProtectedResourceMetadata withResourceName(String name) {
        return new ProtectedResourceMetadata(resource, authorizationServers, scopesSupported, name);
    }

    /**
     * Where the metadata is served (RFC 9728 §3.1): the well-known suffix inserted between host and path, e.g.
     * {@code /.well-known/oauth-protected-resource/mcp} for {@code https://mcp.example.com/mcp}.
     */
    public String metadataPath() {
        String path = resource.getRawPath();
        return WELL_KNOWN + (path == null || path.equals("/") ? "" : path);
    }

    /** The absolute URL of the metadata, as sent in {@code resource_metadata}. */
    public URI metadataUri() {
        return URI.create(resource.getScheme() + "://" + resource.getRawAuthority() + metadataPath());
    }

    /** The metadata document (RFC 9728 §2). */
    public String toJson() {
        JSONObject json = new JSONObject();
        json.put("resource", resource.toString());
        JSONArray servers = new JSONArray();
        authorizationServers.forEach(s -> servers.add(s.toString()));
        json.put("authorization_servers", servers);
        if (!scopesSupported.isEmpty()) {
            JSONArray scopes = new JSONArray();
            scopes.addAll(scopesSupported.values());
            json.put("scopes_supported", scopes);
        }
        JSONArray methods = new JSONArray();
        methods.add("header"); // RFC 6750 §2.1 only: tokens in query strings end up in logs
        json.put("bearer_methods_supported", methods);
        if (resourceName != null) {
            json.put("resource_name", resourceName);
        }
        return json.toJSONString();
    }
}
