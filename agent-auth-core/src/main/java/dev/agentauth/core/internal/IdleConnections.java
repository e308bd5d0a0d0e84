package dev.agentauth.core.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What the library's transports know of the idle HTTP/1.1 connections a {@link HttpClient} keeps, per origin: enough
 * to tell when an exchange certainly went out on a connection that had already carried an answer.
 *
 * <p>Why a ledger: the JDK's client never says which connection an exchange used. Its own mark for "the connection
 * ended before any byte of the answer" ({@code jdk.internal.net.http.common.ConnectionExpiredException}) is set on
 * fresh and pooled connections alike ({@code Http1Exchange.sendHeadersAsync} arms it for every exchange), and for a
 * method other than GET or HEAD it is unwrapped before the caller sees it. A brand-new connection that ends without an
 * answer may have reached a server that processed the request; only a reused one is the ordinary idle-close race.
 *
 * <p>The bookkeeping: an exchange that ends with the connection kept alive adds an idle connection for its origin (the
 * JDK returns it to its pool before the caller's future completes); each exchange that starts takes one, as the JDK's
 * pool does. An exchange counts as reused only when the idle ones at its start outnumber every exchange that started
 * on the origin after it and before its end — so whichever order the JDK served them in, one was left for it. Idle
 * entries older than the JDK's keep-alive limit are forgotten ({@code jdk.httpclient.keepalive.timeout}; 30 s unless
 * set, the smaller of the JDK defaults). Any error here makes an exchange look fresh, never reused.
 *
 * <p>One ledger per client, shared by every transport over it (the broker's, the verifier's, the MCP layer's), because
 * the pool is the client's. What it cannot see — requests the application sends through the same client itself, or an idle
 * connection the JDK dropped because the server closed it while idle — can make a fresh connection look reused; a
 * client with a proxy selector (which pools per proxy, not per origin) gets no ledger at all. Thread-safe; never blocks
 * beyond a short lock per origin.
 */
final class IdleConnections {

    private static final Map<HttpClient, IdleConnections> BY_CLIENT =
            Collections.synchronizedMap(new WeakHashMap<>());
    private static final IdleConnections NONE = new IdleConnections();
    private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(
            Math.max(0, Long.getLong("jdk.httpclient.keepalive.timeout", 30)));

    private final ConcurrentHashMap<String, Origin> origins = new ConcurrentHashMap<>();

    private IdleConnections() {
    }

    /** The ledger of {@code client}'s pool; one that never says "reused" when the client pools through a proxy. */
    static IdleConnections of(HttpClient client) {
        if (client.proxy().isPresent()) {
            return NONE;
        }
        return BY_CLIENT.computeIfAbsent(client, c -> new IdleConnections());
    }

    /** One exchange: the origin, the idle connections there when it started, and its place in the origin's starts. */
    record Exchange(Origin origin, int idleAtStart, long number) {
    }

    /** An exchange to {@code uri} starts. */
    Exchange start(URI uri) {
        if (this == NONE) {
            return new Exchange(null, 0, 0);
        }
        return origins.computeIfAbsent(key(uri), k -> new Origin()).start(System.nanoTime());
    }

    /** Whether {@code exchange} certainly went out on a connection that had carried an answer before. */
    boolean reused(Exchange exchange) {
        return exchange.origin() != null && exchange.origin().reused(exchange);
    }

    /** {@code exchange} ended with {@code response}; the JDK keeps the connection when HTTP/1.1 frames the answer. */
    void ended(Exchange exchange, HttpResponse<?> response) {
        if (exchange.origin() != null && keptAlive(response)) {
            exchange.origin().idle(System.nanoTime());
        }
    }

    /**
     * As {@code jdk.internal.net.http.HttpConnection.closeOrReturnToCache} decides: HTTP/1.1 without
     * {@code Connection: close}, and a body whose end is framed (RFC 9112 §6.3) rather than the connection's close.
     */
    static boolean keptAlive(HttpResponse<?> response) {
        if (response.version() != HttpClient.Version.HTTP_1_1) {
            return false; // HTTP/2 connections are multiplexed, not pooled this way; GOAWAY is the JDK's to handle
        }
        if (response.headers().firstValue("Connection").map(v -> v.equalsIgnoreCase("close")).orElse(false)) {
            return false;
        }
        int status = response.statusCode();
        return status == 204 || status == 304 || response.headers().firstValue("Content-Length").isPresent()
                || response.headers().firstValue("Transfer-Encoding").map(v -> v.equalsIgnoreCase("chunked"))
                .orElse(false);
    }

    private static String key(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
        return scheme + "://" + String.valueOf(uri.getHost()).toLowerCase(Locale.ROOT) + ":" + port;
    }

    /** One origin's idle connections (when each went idle) and how many exchanges started there. */
    static final class Origin {
        private final ArrayDeque<Long> idleSince = new ArrayDeque<>();
        private long started;

        synchronized Exchange start(long now) {
            while (!idleSince.isEmpty() && now - idleSince.peekFirst() > KEEP_ALIVE_NANOS) {
                idleSince.pollFirst();
            }
            int idle = idleSince.size();
            idleSince.pollFirst(); // the JDK's pool hands out its oldest idle connection first
            return new Exchange(this, idle, ++started);
        }

        synchronized boolean reused(Exchange exchange) {
            long laterStarts = started - exchange.number();
            return exchange.idleAtStart() > laterStarts;
        }

        synchronized void idle(long now) {
            idleSince.addLast(now);
        }
    }
}
