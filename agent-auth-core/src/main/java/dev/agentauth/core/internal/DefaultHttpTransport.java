package dev.agentauth.core.internal;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPRequestSender;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPRequest;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPResponse;
import dev.agentauth.core.http.HttpTransport;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link HttpTransport} of the library: one per broker (and one per verifier or MCP authorization, over the same
 * client). Nimbus requests reach it through {@link HTTPRequestSender}, JWKS fetches through {@link ResourceRetriever}.
 *
 * <p>Why not Nimbus's own {@code HttpURLConnection} sender: the JDK's {@code HttpURLConnection} logs request headers,
 * {@code Authorization: Basic <client:secret>} among them, at DEBUG through {@code sun.net.www.protocol.http}; the
 * {@code java.net.http} client logs no header unless its own debug property is set.
 *
 * <p>A POST (token, revocation, registration, device authorization) that went out on a pooled connection the server
 * had just closed, and ended before any byte of an answer, is sent once more on another connection; see
 * {@link IdleConnections} for how "pooled" is known and why nothing else is ever sent twice.
 *
 * <p>Thread-safe; every method blocks for at most the connect timeout of the client plus the read timeout here (a
 * request sent once more shares the first one's read timeout).
 */
public final class DefaultHttpTransport implements HttpTransport {

    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    /** JWKS documents larger than this are refused (a hostile issuer must not fill the heap). */
    private static final int MAX_JWKS_BYTES = 512 * 1024;
    /** No answer the library reads (token, metadata, registration, revocation) is larger. */
    static final int MAX_BODY_BYTES = 1024 * 1024;

    /** Methods the JDK's client retries itself on a connection that ended before an answer. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD");

    private static final Logger log = LoggerFactory.getLogger(DefaultHttpTransport.class);

    private final HttpClient client;
    private final Duration readTimeout;
    private final IdleConnections connections;

    private DefaultHttpTransport(HttpClient client, Duration readTimeout) {
        this.client = client;
        this.readTimeout = readTimeout;
        this.connections = IdleConnections.of(client);
    }

    /** See {@link HttpTransport#of(HttpClient, Duration)}. */
    public static DefaultHttpTransport of(HttpClient client, Duration readTimeout) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(readTimeout, "readTimeout");
        if (readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("readTimeout must be positive, was " + readTimeout);
        }
        return new DefaultHttpTransport(client, readTimeout);
    }

    /** See {@link HttpTransport#defaultClient(Duration)}. */
    public static HttpClient defaultClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build();
    }

    @Override
    public HttpClient client() {
        return client;
    }

    @Override
    public Duration readTimeout() {
        return readTimeout;
    }

    @Override
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
     *
     * <p>Once more, on another connection and within what is left of the same time, when a request other than GET or
     * HEAD went out on a reused keep-alive connection and that connection ended before one byte of an answer: the
     * server closed it as idle just as the request left, so it never applied the request. RFC 9112 §9.3.1 lets a user
     * agent retry a non-idempotent request only when it can tell the original was never applied; this is the one case
     * the transport takes as that. Never when an answer had started, the time ran out, or the connection was new —
     * there the server may have processed the request, and a refresh token with strict rotation sent twice would end
     * the grant (RFC 9700 §4.14.2). GET and HEAD the JDK's client already retries itself.
     */
    private HttpResponse<String> exchange(HttpRequest request) throws IOException {
        long deadline = System.nanoTime() + readTimeout.toNanos();
        try {
            return attempt(request, deadline);
        } catch (ClosedBeforeAnswer stale) {
            log.debug("{} {}{}: the reused connection was closed before any byte of an answer ({}); sending the"
                    + " request once more on another connection", request.method(), request.uri().getHost(),
                    request.uri().getRawPath(), stale.getCause().getMessage());
            try {
                return attempt(request, deadline);
            } catch (ClosedBeforeAnswer again) {
                throw (IOException) again.getCause();
            }
        }
    }

    /** The request failed on a reused connection before any byte of an answer; the cause is the JDK's exception. */
    private static final class ClosedBeforeAnswer extends IOException {
        private static final long serialVersionUID = 1L;

        ClosedBeforeAnswer(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private HttpResponse<String> attempt(HttpRequest request, long deadline) throws IOException {
        IdleConnections.Exchange on = connections.start(request.uri());
        AtomicBoolean answering = new AtomicBoolean();
        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(request, info -> {
            answering.set(true);
            return limited(MAX_BODY_BYTES);
        });
        try {
            HttpResponse<String> response = answer.get(Math.max(0, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
            connections.ended(on, response);
            return response;
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw timedOut(request);
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + request.uri());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            // The request's own timeout (the same read timeout, armed by the JDK as the request leaves) can fire just
            // before the deadline here: the same event, so the same answer. A connect timeout is not a read timeout.
            if (cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException)) {
                throw timedOut(request);
            }
            if (!(cause instanceof IOException io)) {
                throw new IOException(cause.getClass().getSimpleName() + " from " + request.uri().getHost());
            }
            if (!answering.get() && !IDEMPOTENT.contains(request.method()) && closedBeforeAnyByte(io)
                    && connections.reused(on)) {
                throw new ClosedBeforeAnswer(io);
            }
            throw io;
        }
    }

    private HttpTimeoutException timedOut(HttpRequest request) {
        return new HttpTimeoutException("no complete answer from " + request.uri().getHost() + " within "
                + readTimeout.toMillis() + " ms");
    }

    /**
     * The JDK's sign that a connection ended before the first byte of an answer: {@code Http1AsyncReceiver} turns an
     * EOF or a reset read before any byte into {@code ConnectionExpiredException}; for a method it does not retry
     * itself, {@code MultiExchange} hands back that exception's cause instead — an {@link IOException} carrying the
     * header parser's state ("HTTP/1.1 header parser received no bytes") caused by the read's {@link EOFException} or
     * {@link SocketException}. A parser that had received part of a status line says so instead; a cut body fails after
     * the body handler was called, which the caller checks.
     */
    static boolean closedBeforeAnyByte(IOException e) {
        if (e.getClass().getName().equals("jdk.internal.net.http.common.ConnectionExpiredException")) {
            return true;
        }
        Throwable read = e.getCause();
        return e.getClass() == IOException.class && (read instanceof EOFException || read instanceof SocketException)
                && String.valueOf(e.getMessage()).contains("received no bytes");
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
