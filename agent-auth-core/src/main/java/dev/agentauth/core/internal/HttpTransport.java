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
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    /** No answer the library reads (token, metadata, registration, revocation) is larger. */
    static final int MAX_BODY_BYTES = 1024 * 1024;

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

    /**
     * Sends and reads the whole answer within {@link #readTimeout} — headers <em>and</em> body, so a server that drips
     * its body cannot hold the caller — and at most {@link #MAX_BODY_BYTES}, so a hostile one cannot fill the heap.
     */
    private HttpResponse<String> exchange(HttpRequest request) throws IOException {
        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(request, info -> limited(MAX_BODY_BYTES));
        try {
            return answer.get(readTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new HttpTimeoutException("no complete answer from " + request.uri().getHost() + " within "
                    + readTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + request.uri());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause.getClass().getSimpleName() + " from " + request.uri().getHost());
        }
    }

    /** A UTF-8 body of at most {@code max} bytes; a longer one fails the request instead of being buffered. */
    static HttpResponse.BodySubscriber<String> limited(int max) {
        HttpResponse.BodySubscriber<byte[]> bytes = HttpResponse.BodySubscribers.ofByteArray();
        return new HttpResponse.BodySubscriber<>() {
            private long received;
            private Flow.Subscription subscription;

            @Override
            public CompletionStage<String> getBody() {
                return bytes.getBody().thenApply(b -> new String(b, StandardCharsets.UTF_8));
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                bytes.onSubscribe(s);
            }

            @Override
            public void onNext(List<ByteBuffer> items) {
                for (ByteBuffer b : items) {
                    received += b.remaining();
                }
                if (received > max) {
                    subscription.cancel();
                    bytes.onError(new IOException("the answer exceeds " + max + " bytes"));
                    return;
                }
                bytes.onNext(items);
            }

            @Override
            public void onError(Throwable t) {
                bytes.onError(t);
            }

            @Override
            public void onComplete() {
                bytes.onComplete();
            }
        };
    }

    @Override
    public String toString() {
        return "HttpTransport[readTimeout=" + readTimeout + "]";
    }
}
