package dev.agentauth.core.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * A real HTTP reverse proxy on 127.0.0.1 in front of a test identity provider, whose behaviour tests switch: pass
 * through, answer 503, answer garbage, answer slowly. This is how a provider that is down, broken or slow looks to the
 * broker, without touching the broker's own HTTP code.
 */
public final class FlakyGateway implements AutoCloseable {

    public enum Mode { PASS, UNAVAILABLE, GARBAGE, SLOW, NON_JSON_ERROR }

    private final HttpServer server;
    private final URI target;
    private final HttpClient client = HttpClient.newHttpClient();
    private volatile Mode mode = Mode.PASS;
    private volatile long slowMillis = 2_000;
    private final java.util.concurrent.atomic.AtomicReference<Scripted> scripted = new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicReference<String> lastRequestBody = new java.util.concurrent.atomic.AtomicReference<>();

    /** A one-shot answer, for what the identity provider behind cannot say (e.g. Google's answers). */
    private record Scripted(int status, java.util.Map<String, String> headers, String body) {
    }

    private FlakyGateway(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    /** A gateway forwarding to {@code target} (scheme, host and port; paths are kept). */
    public static FlakyGateway to(URI target) {
        try {
            return new FlakyGateway(target);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    public void slowMillis(long millis) {
        this.slowMillis = millis;
    }

    /** The next request, whatever the mode, gets this answer (JSON) instead of being forwarded. */
    public void answerNextWith(int status, java.util.Map<String, String> headers, String jsonBody) {
        scripted.set(new Scripted(status, java.util.Map.copyOf(headers), jsonBody));
    }

    /** The body of the last request the gateway received. */
    public String lastRequestBody() {
        return lastRequestBody.get();
    }

    /** The gateway's URL for {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private final List<Long> requestTimes = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** When each request arrived ({@link System#nanoTime()}), in order. */
    public List<Long> requestTimes() {
        return List.copyOf(requestTimes);
    }

    private void handle(HttpExchange exchange) throws IOException {
        requestTimes.add(System.nanoTime());
        try (exchange) {
            byte[] requestBody = exchange.getRequestBody().readAllBytes();
            lastRequestBody.set(new String(requestBody, StandardCharsets.UTF_8));
            Scripted answer = scripted.getAndSet(null);
            if (answer != null) {
                answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
                respond(exchange, answer.status(), "application/json", answer.body());
                return;
            }
            switch (mode) {
                case UNAVAILABLE -> respond(exchange, 503, "text/plain", "upstream unavailable");
                case GARBAGE -> respond(exchange, 200, "text/html", "<html>this is not a token</html>");
                case NON_JSON_ERROR -> respond(exchange, 400, "text/plain", "bad request");
                case SLOW -> {
                    try {
                        Thread.sleep(slowMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    forward(exchange, requestBody);
                }
                case PASS -> forward(exchange, requestBody);
            }
        }
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException {
        URI uri = target.resolve(exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() != null ? "?" + exchange.getRequestURI().getRawQuery() : ""));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : List.of("Authorization", "Content-Type", "Accept")) {
            String v = exchange.getRequestHeaders().getFirst(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            exchange.getResponseHeaders().set("Content-Type",
                    r.headers().firstValue("Content-Type").orElse("application/octet-stream"));
            exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(r.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange exchange, int status, String type, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, b.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
