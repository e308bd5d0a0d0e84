package dev.agentauth.samples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.verify.BearerTokenFilter;
import dev.agentauth.verify.ProtectedResourceMetadata;
import dev.agentauth.verify.TokenVerifier;
import dev.agentauth.verify.VerifiedToken;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small notes API, protected like any resource server: every request needs a bearer token from the demo identity
 * provider for audience {@code notes}, verified with the project's {@link TokenVerifier} and {@link BearerTokenFilter}.
 *
 * <ul>
 *   <li>{@code GET /notes} (scope {@code notes.read}): the caller's notes, as plain text lines</li>
 *   <li>{@code POST /notes/add} (scope {@code notes.write}): adds the body as a note of the caller</li>
 *   <li>{@code GET /status} (scope {@code notes.status}): service statistics, for agents calling as themselves</li>
 * </ul>
 *
 * Each user sees only their own notes: the user is the token's subject, nothing else.
 */
public final class NotesApi implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, List<String>> notes = new ConcurrentHashMap<>();

    private NotesApi(String issuer) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        server.setExecutor(threads);
        ProtectedResourceMetadata metadata = ProtectedResourceMetadata.of(uri("/").toString(), issuer)
                .withScopes("notes.read", "notes.write", "notes.status").withResourceName("Demo notes API");
        protect(issuer, metadata, "/notes", "notes.read", this::list);
        protect(issuer, metadata, "/notes/add", "notes.write", this::add);
        protect(issuer, metadata, "/status", "notes.status", this::status);
        server.start();
    }

    /** Starts on a random port, trusting tokens of {@code issuer}. */
    public static NotesApi start(String issuer) {
        try {
            return new NotesApi(issuer);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the notes API", e);
        }
    }

    /** The API's URL for {@code path}. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private interface Handler {
        void handle(HttpExchange exchange, VerifiedToken caller) throws IOException;
    }

    private void protect(String issuer, ProtectedResourceMetadata metadata, String path, String scope,
                         Handler handler) {
        TokenVerifier verifier = TokenVerifier.builder().issuer(issuer).audience("notes").requiredScopes(scope)
                .build();
        BearerTokenFilter.create(verifier, metadata).protect(server, path, exchange -> {
            try (exchange) {
                if (!exchange.getRequestURI().getPath().equals(path)) {
                    respond(exchange, 404, "no such resource");
                    return;
                }
                handler.handle(exchange, BearerTokenFilter.verifiedToken(exchange).orElseThrow());
            }
        });
    }

    private void list(HttpExchange exchange, VerifiedToken caller) throws IOException {
        List<String> mine = notes.getOrDefault(caller.subject(), List.of());
        respond(exchange, 200, mine.isEmpty() ? "(no notes yet)" : String.join("\n", mine));
    }

    private void add(HttpExchange exchange, VerifiedToken caller) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            respond(exchange, 405, "POST a note");
            return;
        }
        String text = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (text.isEmpty() || text.length() > 500) {
            respond(exchange, 400, "a note has 1 to 500 characters");
            return;
        }
        notes.computeIfAbsent(caller.subject(), k -> new CopyOnWriteArrayList<>()).add(text);
        respond(exchange, 201, "saved");
    }

    private void status(HttpExchange exchange, VerifiedToken caller) throws IOException {
        int count = notes.values().stream().mapToInt(List::size).sum();
        respond(exchange, 200, "notes API up; " + notes.size() + " user(s), " + count + " note(s); asked by "
                + caller.subject());
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
