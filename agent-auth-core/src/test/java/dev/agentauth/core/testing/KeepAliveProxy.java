package dev.agentauth.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 server on raw sockets at 127.0.0.1 that keeps connections alive (unlike {@link FaultProxy}, which closes
 * each one): it forwards every request to a real identity provider and answers on the same connection, ready for the
 * next request — unless a queued fault matches this request, by whether it is the first on its connection or not. So a
 * test can close a kept-alive connection exactly when the client reuses it, the race a pooled client meets when a
 * server's idle timeout fires, and count on the server side what was received, on how many connections, and what
 * reached the identity provider. Thread-safe.
 */
public final class KeepAliveProxy implements AutoCloseable {

    /** Which requests a fault may take. */
    public enum On { REUSED_CONNECTION, NEW_CONNECTION, ANY }

    /** What the request gets instead of the identity provider's answer. */
    public enum Action {
        /** Read the request, then close the connection without a byte. */
        CLOSE,
        /** Forward it, then send the status line, the headers and half the body, and close. */
        CUT_BODY,
        /** Send the first bytes of a status line, and close. */
        PARTIAL_STATUS_LINE,
        /** Forward it after {@link KeepAliveProxy#STALL}. */
        STALL
    }

    /** How long {@link Action#STALL} waits. */
    public static final Duration STALL = Duration.ofSeconds(5);

    private record Fault(On on, Action action) {
    }

    private final ServerSocket socket;
    private final URI target;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "keep-alive-proxy");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger forwarded = new AtomicInteger();
    private final AtomicInteger faulted = new AtomicInteger();
    private volatile boolean closed;

    private KeepAliveProxy(URI target) throws IOException {
        this.target = target;
        this.socket = new ServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
        pool.execute(this::accept);
    }

    /** A proxy forwarding to {@code target}'s scheme, host and port; paths are kept. */
    public static KeepAliveProxy to(URI target) {
        try {
            return new KeepAliveProxy(target);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Queues {@code action} for the first request from now on that matches {@code on}; faults apply in order. */
    public void next(On on, Action action) {
        faults.add(new Fault(on, action));
    }

    /** TCP connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Requests read so far, on any connection. */
    public int received() {
        return received.get();
    }

    /** Requests that reached the identity provider. */
    public int forwarded() {
        return forwarded.get();
    }

    /** Requests that got a fault. */
    public int faulted() {
        return faulted.get();
    }

    /** The proxy's URL for {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + socket.getLocalPort() + path;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = socket.accept();
                connections.incrementAndGet();
                pool.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private record Request(String method, String target, Map<String, String> headers, byte[] body) {
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int n = 0; ; n++) {
                Request request = read(in);
                if (request == null) {
                    return; // the client closed its idle connection
                }
                received.incrementAndGet();
                Fault fault = take(n == 0 ? On.NEW_CONNECTION : On.REUSED_CONNECTION);
                if (fault == null) {
                    write(out, forward(request), null);
                    continue;
                }
                faulted.incrementAndGet();
                switch (fault.action()) {
                    case CLOSE -> {
                        return;
                    }
                    case PARTIAL_STATUS_LINE -> {
                        out.write("HTTP/1.1 2".getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        return;
                    }
                    case CUT_BODY -> {
                        HttpResponse<byte[]> r = forward(request);
                        write(out, r, r.body().length / 2);
                        return;
                    }
                    case STALL -> {
                        Thread.sleep(STALL.toMillis());
                        write(out, forward(request), null);
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away: nothing to do
        }
    }

    private synchronized Fault take(On connection) {
        Fault head = faults.peek();
        if (head != null && (head.on() == On.ANY || head.on() == connection)) {
            return faults.poll();
        }
        return null;
    }

    private HttpResponse<byte[]> forward(Request request) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve(request.target()))
                .method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
        for (String h : List.of("authorization", "content-type", "accept", "dpop")) {
            String v = request.headers().get(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        forwarded.incrementAndGet();
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The answer, kept alive; with {@code only} set, that many bytes of the body and no more. */
    private static void write(OutputStream out, HttpResponse<byte[]> r, Integer only) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(r.statusCode()).append(" X\r\n");
        r.headers().firstValue("content-type").ifPresent(v -> head.append("Content-Type: ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(r.body().length).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(r.body(), 0, only != null ? only : r.body().length);
        out.flush();
    }

    private static Request read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        int matched = 0;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                break;
            }
        }
        if (matched != 4) {
            return null;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] start = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Request(start[0], start[1], headers, body);
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
        pool.shutdownNow();
    }

    @Override
    public String toString() {
        return "KeepAliveProxy[" + url("") + " -> " + target + "]";
    }
}
