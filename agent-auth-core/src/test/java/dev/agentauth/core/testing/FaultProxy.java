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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fault-injecting HTTP server on 127.0.0.1, on raw sockets so that it can misbehave below HTTP too: it forwards each
 * request to a real identity provider, unless a fault is set for the next request — any status, headers and body, a
 * connection reset, a body cut short, or a stall longer than the client's read timeout. How a broken, throttled or
 * hostile token endpoint looks to the broker, without touching the broker's own HTTP code. Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {

    /** What the next request gets instead of the identity provider's answer. */
    public sealed interface Fault permits Answer, Reset, Truncated, Stall, Drip {
    }

    /** A 200 whose body arrives one byte every {@code perByte}: a slowloris on the server side. */
    public record Drip(String body, Duration perByte) implements Fault {
    }

    /** A complete HTTP answer. */
    public record Answer(int status, Map<String, String> headers, String body) implements Fault {
    }

    /** The connection is reset (TCP RST) after the request is read. */
    public record Reset() implements Fault {
    }

    /** A 200 whose Content-Length promises more than the body delivers, then the connection closes. */
    public record Truncated(String body) implements Fault {
    }

    /** No answer for this long, then the identity provider's own. */
    public record Stall(Duration duration) implements Fault {
    }

    public static Fault answer(int status, String contentType, String body) {
        return new Answer(status, Map.of("Content-Type", contentType), body);
    }

    public static Fault json(int status, String body) {
        return answer(status, "application/json", body);
    }

    private final ServerSocket socket;
    private final URI target;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicReference<Fault> next = new AtomicReference<>();
    private final AtomicInteger forwarded = new AtomicInteger();
    private final AtomicInteger faulted = new AtomicInteger();
    private volatile boolean closed;

    private FaultProxy(URI target) throws IOException {
        this.target = target;
        this.socket = new ServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
        pool.execute(this::accept);
    }

    /** A proxy forwarding to {@code target}'s scheme, host and port; paths are kept. */
    public static FaultProxy to(URI target) {
        try {
            return new FaultProxy(target);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The next request gets {@code fault}; the ones after it are forwarded again. */
    public void next(Fault fault) {
        next.set(fault);
    }

    /** How many requests were forwarded to the identity provider. */
    public int forwarded() {
        return forwarded.get();
    }

    /** How many requests got a fault. */
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
            s.setSoTimeout(10_000);
            Request request = read(s.getInputStream());
            if (request == null) {
                return;
            }
            Fault fault = next.getAndSet(null);
            OutputStream out = s.getOutputStream();
            if (fault == null) {
                forward(request, out);
                return;
            }
            faulted.incrementAndGet();
            if (fault instanceof Answer a) {
                write(out, a.status(), a.headers(), a.body().getBytes(StandardCharsets.UTF_8), null);
            } else if (fault instanceof Reset) {
                s.setSoLinger(true, 0); // close with RST, not FIN
            } else if (fault instanceof Truncated t) {
                byte[] body = t.body().getBytes(StandardCharsets.UTF_8);
                write(out, 200, Map.of("Content-Type", "application/json"), body, body.length + 200);
            } else if (fault instanceof Drip d) {
                byte[] body = d.body().getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                for (byte b : body) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(d.perByte().toMillis());
                }
            } else if (fault instanceof Stall st) {
                Thread.sleep(st.duration().toMillis());
                forward(request, out);
            }
        } catch (IOException | InterruptedException e) {
            // the client went away: nothing to do
        }
    }

    private void forward(Request request, OutputStream out) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve(request.target()))
                .method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
        for (String h : List.of("authorization", "content-type", "accept", "dpop")) {
            String v = request.headers().get(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        forwarded.incrementAndGet();
        HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        Map<String, String> headers = new LinkedHashMap<>();
        r.headers().firstValue("content-type").ifPresent(v -> headers.put("Content-Type", v));
        write(out, r.statusCode(), headers, r.body(), null);
    }

    private static void write(OutputStream out, int status, Map<String, String> headers, byte[] body,
                              Integer contentLength) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(contentLength != null ? contentLength : body.length).append("\r\n");
        head.append("Connection: close\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
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
            if (head.size() > 64 * 1024) {
                return null;
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
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
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
        return "FaultProxy[" + url("") + " -> " + target + "]";
    }
}
