package dev.agentauth.mcp.auth;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.minidev.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP of MCP authorization: metadata GETs and registration POSTs, all through the broker's one
 * {@link HttpClient} ({@link dev.agentauth.core.TokenBroker#httpClient()}), each bounded by one timeout. Also the URI
 * rules the specification names (origin, canonical server URI). Thread-safe; blocks on HTTP.
 */
final class McpHttp {

    private static final Logger log = LoggerFactory.getLogger(McpHttp.class);

    private final HttpClient client;
    private final Duration timeout;

    McpHttp(HttpClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    /** GET {@code uri} as JSON; {@code null} for any non-200 answer or a body that is not a JSON object. */
    JSONObject getJson(URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json")
                .GET().build();
        HttpResponse<String> response = exchange(request, "metadata URL " + uri);
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

    /** Sends a Nimbus request (a registration) and returns Nimbus's view of the answer. */
    HTTPResponse send(HTTPRequest request, String what) {
        HttpRequest.Builder b = HttpRequest.newBuilder(request.getURI()).timeout(timeout);
        request.getHeaderMap().forEach((name, values) -> {
            if (!"content-length".equalsIgnoreCase(name) && !"host".equalsIgnoreCase(name)) {
                values.forEach(v -> b.header(name, v));
            }
        });
        String body = request.getBody();
        b.method(request.getMethod().name(), body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        HttpResponse<String> answer = exchange(b.build(), what);
        HTTPResponse response = new HTTPResponse(answer.statusCode());
        answer.headers().map().forEach((name, values) -> {
            if (!name.startsWith(":")) {
                response.setHeader(name, values.toArray(String[]::new));
            }
        });
        if (answer.body() != null && !answer.body().isEmpty()) {
            response.setBody(answer.body());
        }
        return response;
    }

    private HttpResponse<String> exchange(HttpRequest request, String what) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new McpAuthorizationException(what + " unreachable (" + e.getClass().getSimpleName()
                    + "); retry later", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpAuthorizationException("interrupted while waiting for " + what, true, e);
        }
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
