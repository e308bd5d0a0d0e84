package dev.agentauth.mcp.auth;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.http.HttpTransport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.minidev.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP of MCP authorization: metadata GETs and registration POSTs, all through the broker's one
 * {@link HttpClient} ({@link dev.agentauth.core.TokenBroker#httpClient()}) and the core's {@link HttpTransport} over it,
 * so that every request of the library has the same limits. Also the URI rules the specification names (origin,
 * canonical server URI). Thread-safe; blocks on HTTP.
 */
final class McpHttp {

    private static final Logger log = LoggerFactory.getLogger(McpHttp.class);

    private final HttpTransport http;

    /**
     * Through the broker's own transport (the one its token and discovery requests use): the same client, and the
     * same limits — the whole answer within {@code timeout}, at most 1 MiB.
     */
    McpHttp(HttpClient client, Duration timeout) {
        this.http = HttpTransport.of(client, timeout);
    }

    /** GET {@code uri} as JSON; {@code null} for any non-200 answer or a body that is not a JSON object. */
    JSONObject getJson(URI uri) {
        HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, uri);
        HTTPResponse response = send(request, "metadata URL " + uri);
        if (response.getStatusCode() != 200) {
            log.debug("metadata candidate {}: HTTP {}", uri, response.getStatusCode());
            return null;
        }
        try {
            return response.getBodyAsJSONObject();
        } catch (ParseException e) {
            log.debug("metadata candidate {}: not a JSON object", uri);
            return null;
        }
    }

    /** Sends a Nimbus request (metadata, a registration) and returns Nimbus's view of the answer. */
    HTTPResponse send(HTTPRequest request, String what) {
        request.setAccept("application/json");
        try {
            return http.send(request);
        } catch (InterruptedIOException e) {
            throw new McpAuthorizationException("interrupted while waiting for " + what, true, e);
        } catch (IOException e) {
            throw new McpAuthorizationException(what + " unreachable (" + e.getClass().getSimpleName()
                    + "); retry later", true, e);
        }
    }

    /**
     * {@code value}, a URL an MCP server or its authorization server sent, when the broker may hand it (or what is
     * built from it) to a user: {@link ConsentRequirement#isSafeToShow(URI)}, the core's one rule — https, or http to
     * a loopback host. MCP authorization (2025-11-25, "Communication Security") requires https for every authorization
     * server endpoint; a {@code javascript:} or relative value would reach the user's browser.
     *
     * @param field  the member, e.g. {@code authorization_endpoint}
     * @param source where it came from, e.g. "the authorization server metadata at https://as.example/..."
     * @throws McpAuthorizationException naming the field and the kind of URL, never the whole value
     */
    static URI requireSafeToShow(String value, String field, String source) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (ConsentRequirement.isSafeToShow(uri)) {
            return uri;
        }
        String kind = uri == null ? "it is not a URL" : !uri.isAbsolute() ? "it is relative, with no scheme"
                : !uri.getScheme().equalsIgnoreCase("http") && !uri.getScheme().equalsIgnoreCase("https")
                ? "its scheme is '" + uri.getScheme().toLowerCase(Locale.ROOT) + ":'"
                : uri.getHost() == null ? "it has no host"
                : uri.getRawUserInfo() != null ? "it has user info before its host"
                : "it is plain http to " + uri.getHost();
        throw new McpAuthorizationException("the " + field + " in " + source + " is refused (" + kind + "): only an"
                + " https URL, or http to 127.0.0.1, [::1] or localhost, is accepted (MCP authorization requires https"
                + " for authorization servers); nothing was registered or shown to the user. The MCP server's"
                + " authorization setup is misconfigured or compromised: have its operator fix it, or configure a"
                + " provider for this server yourself.");
    }

    static List<String> stringList(JSONObject json, String name) {
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

    /** Scheme, host and port (default ports dropped), lower-case, with a {@code /} path. */
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
    static URI canonical(URI uri) {
        URI o = origin(uri);
        String path = stripSlash(uri.getRawPath());
        String base = o.toString();
        base = base.substring(0, base.length() - 1);
        return URI.create(base + path + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : ""));
    }

    static String stripSlash(String path) {
        if (path == null) {
            return "";
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    static String firstLine(String m) {
        if (m == null) {
            return "";
        }
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }
}
