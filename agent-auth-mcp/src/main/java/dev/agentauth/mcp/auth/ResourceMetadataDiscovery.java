package dev.agentauth.mcp.auth;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import net.minidev.json.JSONObject;

/**
 * Protected resource metadata (RFC 9728) of an MCP server: the {@code resource_metadata} URL of the
 * {@code WWW-Authenticate} challenge when present, otherwise the well-known URIs in the specification's order —
 * path-specific ({@code /.well-known/oauth-protected-resource/<path>}) then root. Its {@code resource} must identify
 * the server that was called. Thread-safe; blocks on HTTP.
 */
final class ResourceMetadataDiscovery {

    private static final String PRM_WELL_KNOWN = "/.well-known/oauth-protected-resource";

    private final McpHttp http;

    ResourceMetadataDiscovery(McpHttp http) {
        this.http = http;
    }

    /** The metadata document, or {@code null} when the server publishes none. */
    JSONObject fetch(URI endpoint, WwwAuthenticate challenge) {
        List<URI> candidates = new ArrayList<>();
        challenge.resourceMetadataUri().ifPresent(candidates::add);
        String path = McpHttp.stripSlash(endpoint.getRawPath());
        if (!path.isEmpty()) {
            candidates.add(McpHttp.origin(endpoint).resolve(PRM_WELL_KNOWN + path));
        }
        candidates.add(McpHttp.origin(endpoint).resolve(PRM_WELL_KNOWN));
        for (URI candidate : candidates) {
            JSONObject json = http.getJson(candidate);
            if (json != null) {
                return json;
            }
        }
        return null;
    }

    /** The resource identifier of the metadata, canonical; it must identify the server that was called. */
    static URI resourceOf(JSONObject prm, URI endpoint) {
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
        return McpHttp.canonical(resource);
    }

    /** Same origin, and the resource's path is the endpoint's path or a parent of it at a segment boundary. */
    static boolean covers(URI resource, URI endpoint) {
        if (!resource.isAbsolute() || resource.getHost() == null || resource.getRawFragment() != null) {
            return false;
        }
        if (!McpHttp.origin(resource).equals(McpHttp.origin(endpoint))) {
            return false;
        }
        String rp = McpHttp.stripSlash(resource.getRawPath());
        String ep = McpHttp.stripSlash(endpoint.getRawPath());
        return ep.equals(rp) || rp.isEmpty() || ep.startsWith(rp + "/");
    }
}
