package dev.agentauth.core.internal;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPRequestSender;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPRequest;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one HTTP stack of a broker: every request the library makes (token, discovery, JWKS, revocation, registration,
 * MCP metadata) goes through one {@link HttpClient}, built by the broker's builder or supplied by the application
 * (which then owns its proxy, TLS and executor). Nimbus requests reach it through {@link HTTPRequestSender}, JWKS
 * fetches through {@link ResourceRetriever}.
 *
 * <p>Why not Nimbus's own {@code HttpURLConnection} sender: the JDK's {@code HttpURLConnection} logs request headers,
 * {@code Authorization: Basic <client:secret>} among them, at DEBUG through {@code sun.net.www.protocol.http}; the
 * {@code java.net.http} client logs no header unless its own debug property is set.
 *
 * <p>Thread-safe; every method blocks for at most the connect timeout of the client plus the read timeout here.
 */
public final class HttpTransport implements HTTPRequestSender, ResourceRetriever {

    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    /** JWKS documents larger than this are refused (a hostile issuer must not fill the heap). */
    private static final int MAX_JWKS_BYTES = 512 * 1024;

    private final HttpClient client;
    private final Duration readTimeout;

    private HttpTransport(HttpClient client, Duration readTimeout) {
        this.client = client;
        this.readTimeout = readTimeout;
    }

    /** A transport over {@code client}; {@code readTimeout} bounds each request from sending to the whole answer. */
    public static HttpTransport of(HttpClient client, Duration readTimeout) {
        return new HttpTransport(client, readTimeout);
    }

    /** The default client: HTTP/1.1, no redirects followed (OAuth endpoints must not redirect a secret elsewhere). */
    public static HttpClient defaultClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build();
    }

    /** The client every request goes through. */
    public HttpClient client() {
        return client;
    }

    /** How long one request may take once connected. */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** Sends a Nimbus request through this transport. */
    public HTTPResponse send(HTTPRequest request) throws IOException {
        return request.send(this);
    }

    @Override
    public ReadOnlyHTTPResponse send(ReadOnlyHTTPRequest request) throws IOException {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(request.getURI()).timeout(readTimeout);
        } catch (IllegalArgumentException e) {
            throw new IOException("not an HTTP URL: " + e.getMessage());
        }
        for (Map.Entry<String, List<String>> header : request.getHeaderMap().entrySet()) {
            if (RESTRICTED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                continue;
            }
            for (String value : header.getValue()) {
                b.header(header.getKey(), value);
            }
        }
        String body = request.getBody();
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
        b.method(request.getMethod().name(), publisher);
        HttpResponse<String> answer = exchange(b.build());
        HTTPResponse response = new HTTPResponse(answer.statusCode());
        answer.headers().map().forEach((name, values) -> {
            if (!name.startsWith(":")) {
                response.setHeader(name, values.toArray(String[]::new));
            }
        });
        String content = answer.body();
        if (content != null && !content.isEmpty()) {
            response.setBody(content);
        }
        return response;
    }

    @Override
    public Resource retrieveResource(URL url) throws IOException {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(url.toURI()).timeout(readTimeout).GET()
                    .header("Accept", "application/jwk-set+json, application/json").build();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IOException("not an HTTP URL: " + url);
        }
        HttpResponse<String> answer = exchange(request);
        if (answer.statusCode() != 200) {
            throw new IOException("HTTP " + answer.statusCode() + " from " + url);
        }
        String body = answer.body();
        if (body.length() > MAX_JWKS_BYTES) {
            throw new IOException("the document at " + url + " exceeds " + MAX_JWKS_BYTES + " bytes");
        }
        return new Resource(body, answer.headers().firstValue("Content-Type").orElse(null));
    }

    private HttpResponse<String> exchange(HttpRequest request) throws IOException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + request.uri());
        }
    }

    @Override
    public String toString() {
        return "HttpTransport[readTimeout=" + readTimeout + "]";
    }
}
