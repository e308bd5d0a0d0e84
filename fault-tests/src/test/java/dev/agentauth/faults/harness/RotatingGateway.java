package dev.agentauth.faults.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTP gateway on 127.0.0.1 in front of mock-oauth2-server (run without rotation, so it accepts its refresh token
 * again and again), for what that server does not do by itself:
 *
 * <ul>
 *   <li><b>strict refresh-token rotation</b> (RFC 9700 §4.14.2), when {@link #strictRotation switched on}: every answer
 *       carrying a refresh token gets a new one minted by the gateway instead (mapped to the server's own), so every
 *       refresh rotates; every refresh token the gateway has seen used is remembered, and a second use is answered
 *       {@code 400 {"error":"invalid_grant"}} without reaching the server — unless a {@link #reuseGrace reuse grace
 *       window} is set and the reuse falls within it. Revocations of minted tokens reach the server as its own;</li>
 *   <li><b>holding an answer</b>: {@link #holdNext} lets the next token request of a grant type through to the server,
 *       receives the server's answer (the server has acted: rotated, redeemed) and then waits before relaying it, so a
 *       test can kill the client or its database in between;</li>
 *   <li><b>bookkeeping</b>: every token it relays is recorded by fingerprint ({@link Tokens}) with its kind and
 *       subject, and RFC 7009 revocation requests are counted per token fingerprint.</li>
 * </ul>
 *
 * Paths are forwarded as they are; point a provider's token and revocation endpoints at {@link #url(String)}.
 * Thread-safe.
 */
public final class RotatingGateway implements AutoCloseable {

    /** A token the gateway relayed: access or refresh, for whom, from which grant type. */
    public record Issued(String kind, String subject, String grantType) {
    }

    /** A held answer: {@link #awaitAnswered} once the server answered, then {@link #release()} to relay it. */
    public static final class Hold {
        final String grantType;
        final CountDownLatch answered = new CountDownLatch(1);
        final CountDownLatch released = new CountDownLatch(1);
        final CountDownLatch relayed = new CountDownLatch(1);
        volatile String accessToken;
        volatile String refreshToken;
        volatile String subject;
        volatile boolean relayFailed;

        Hold(String grantType) {
            this.grantType = grantType;
        }

        /** Waits until the identity provider answered the held request. */
        public boolean awaitAnswered(Duration max) throws InterruptedException {
            return answered.await(max.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Relays the held answer (to a client that may be gone). */
        public void release() {
            released.countDown();
        }

        /** Waits until the relay was attempted; {@link #relayFailed()} says whether the client was still there. */
        public boolean awaitRelayed(Duration max) throws InterruptedException {
            return relayed.await(max.toMillis(), TimeUnit.MILLISECONDS);
        }

        public boolean relayFailed() {
            return relayFailed;
        }

        /** Fingerprint of the access token in the held answer, or {@code null}. */
        public String accessTokenFingerprint() {
            return accessToken;
        }

        /** Fingerprint of the refresh token in the held answer, or {@code null}. */
        public String refreshTokenFingerprint() {
            return refreshToken;
        }

        public String subject() {
            return subject;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final URI target;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private volatile boolean strictRotation;
    private volatile Duration reuseGrace = Duration.ZERO;
    private final Map<String, Long> usedRefreshTokens = new ConcurrentHashMap<>();
    /** Refresh tokens the gateway minted, to the server's refresh token each stands for. */
    private final Map<String, String> minted = new ConcurrentHashMap<>();
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    private final Map<String, Issued> issued = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> revocations = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> tokenRequests = new ConcurrentHashMap<>();
    private final AtomicInteger reuseRefused = new AtomicInteger();
    private final AtomicInteger reuseForgiven = new AtomicInteger();
    private final AtomicReference<Hold> nextHold = new AtomicReference<>();

    private RotatingGateway(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rotating-gateway");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** A gateway forwarding to {@code target}'s scheme, host and port. */
    public static RotatingGateway to(URI target) {
        try {
            return new RotatingGateway(target);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The gateway's URL for {@code path} (a path of the identity provider). */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /**
     * Rotates every refresh token (the gateway mints a new one at each code redemption and refresh) and refuses a
     * refresh token's second use with {@code invalid_grant}. Switch it on before the consent whose grant it governs.
     */
    public void strictRotation(boolean strict) {
        this.strictRotation = strict;
    }

    /** With strict rotation, a reuse within {@code grace} of the first use is let through. */
    public void reuseGrace(Duration grace) {
        this.reuseGrace = grace;
    }

    /** The next token request with this {@code grant_type} is held after the server answered it. */
    public Hold holdNext(String grantType) {
        Hold h = new Hold(grantType);
        nextHold.set(h);
        return h;
    }

    /** Back to passing everything, with no bookkeeping: what a new test starts from. A held answer is released. */
    public void reset() {
        strictRotation = false;
        reuseGrace = Duration.ZERO;
        Hold h = nextHold.getAndSet(null);
        if (h != null) {
            h.release();
        }
        usedRefreshTokens.clear();
        minted.clear();
        issued.clear();
        revocations.clear();
        tokenRequests.clear();
        reuseRefused.set(0);
        reuseForgiven.set(0);
    }

    /** What the gateway knows of a token fingerprint, or {@code null}. */
    public Issued issued(String fingerprint) {
        return issued.get(fingerprint);
    }

    /** Fingerprints of every token relayed for {@code subject}. */
    public List<String> issuedTo(String subject) {
        return issued.entrySet().stream().filter(e -> subject.equals(e.getValue().subject())).map(Map.Entry::getKey)
                .toList();
    }

    /** How many RFC 7009 revocation requests named this token fingerprint. */
    public int revocations(String fingerprint) {
        AtomicInteger n = revocations.get(fingerprint);
        return n == null ? 0 : n.get();
    }

    /** How many revocation requests named any token relayed for {@code subject}. */
    public int revocationsOf(String subject) {
        return issuedTo(subject).stream().mapToInt(this::revocations).sum();
    }

    public int tokenRequests(String grantType) {
        AtomicInteger n = tokenRequests.get(grantType);
        return n == null ? 0 : n.get();
    }

    /** Refresh-token reuses answered {@code invalid_grant}. */
    public int reuseRefused() {
        return reuseRefused.get();
    }

    /** Refresh-token reuses let through within the grace window. */
    public int reuseForgiven() {
        return reuseForgiven.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
            String path = exchange.getRequestURI().getPath();
            if (path.contains("revoke") && form.containsKey("token")) {
                revocations.computeIfAbsent(Tokens.fingerprint(form.get("token")), k -> new AtomicInteger())
                        .incrementAndGet();
                String own = minted.get(form.get("token"));
                if (own != null) {
                    form.put("token", own);
                    body = encode(form);
                }
            }
            String grantType = path.endsWith("/token") ? form.get("grant_type") : null;
            if (grantType != null) {
                tokenRequests.computeIfAbsent(grantType, k -> new AtomicInteger()).incrementAndGet();
            }
            boolean rotate = strictRotation;
            String refreshedWith = null;
            if ("refresh_token".equals(grantType) && form.containsKey("refresh_token")) {
                refreshedWith = form.get("refresh_token");
                String fp = Tokens.fingerprint(refreshedWith);
                long now = System.nanoTime();
                Long first = usedRefreshTokens.putIfAbsent(fp, now);
                if (first != null && rotate) {
                    if (now - first > reuseGrace.toNanos()) {
                        reuseRefused.incrementAndGet();
                        respond(exchange, 400, "application/json",
                                "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token already used\"}"
                                        .getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                    reuseForgiven.incrementAndGet();
                }
                String own = minted.get(refreshedWith);
                if (own != null) {
                    form.put("refresh_token", own);
                    body = encode(form);
                }
            }
            Hold hold = grantType != null ? nextHold.get() : null;
            if (hold != null && !hold.grantType.equals(grantType)) {
                hold = null;
            }
            if (hold != null && !nextHold.compareAndSet(hold, null)) {
                hold = null;
            }
            HttpResponse<byte[]> answer = forward(exchange, body);
            byte[] answerBody = answer.body();
            if (grantType != null && answer.statusCode() == 200) {
                if (rotate && (grantType.equals("refresh_token") || grantType.equals("authorization_code"))) {
                    answerBody = rotated(answerBody, refreshedWith == null ? null
                            : minted.getOrDefault(refreshedWith, refreshedWith));
                }
                record(answerBody, grantType, hold);
            }
            if (hold != null) {
                hold.answered.countDown();
                try {
                    if (!hold.released.await(120, TimeUnit.SECONDS)) {
                        System.err.println("RotatingGateway: a held answer was never released; relaying it");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                respond(exchange, answer.statusCode(),
                        answer.headers().firstValue("Content-Type").orElse("application/json"), answerBody);
            } catch (IOException e) {
                if (hold != null) {
                    hold.relayFailed = true;
                }
                throw e;
            } finally {
                if (hold != null) {
                    hold.relayed.countDown();
                }
            }
        }
    }

    /**
     * The server's answer with its refresh token (or, when it sent none on a refresh, the one it was refreshed with,
     * {@code serverRefreshToken}) replaced by a new one minted here: the client sees a rotation.
     */
    private byte[] rotated(byte[] body, String serverRefreshToken) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode)
                    JSON.readTree(body);
            String own = n.hasNonNull("refresh_token") ? n.get("refresh_token").asText() : serverRefreshToken;
            if (own == null) {
                return body;
            }
            byte[] b = new byte[32];
            random.nextBytes(b);
            String fresh = "rotated-" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            minted.put(fresh, own);
            n.put("refresh_token", fresh);
            return JSON.writeValueAsBytes(n);
        } catch (IOException | ClassCastException e) {
            return body;
        }
    }

    private static byte[] encode(Map<String, String> form) {
        StringBuilder out = new StringBuilder();
        form.forEach((k, v) -> out.append(out.length() == 0 ? "" : "&")
                .append(java.net.URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                .append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void record(byte[] body, String grantType, Hold hold) {
        try {
            JsonNode n = JSON.readTree(body);
            String access = n.path("access_token").asText(null);
            String refresh = n.path("refresh_token").asText(null);
            String subject = access != null ? Tokens.subject(access) : null;
            if (access != null) {
                issued.put(Tokens.fingerprint(access), new Issued("access_token", subject, grantType));
            }
            if (refresh != null) {
                issued.put(Tokens.fingerprint(refresh), new Issued("refresh_token", subject, grantType));
            }
            if (hold != null) {
                hold.accessToken = access == null ? null : Tokens.fingerprint(access);
                hold.refreshToken = refresh == null ? null : Tokens.fingerprint(refresh);
                hold.subject = subject;
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: nothing to record
        }
    }

    private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException {
        URI uri = target.resolve(exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() != null ? "?" + exchange.getRequestURI().getRawQuery() : ""));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : List.of("Authorization", "Content-Type", "Accept", "DPoP")) {
            String v = exchange.getRequestHeaders().getFirst(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        if (body.isEmpty() || body.startsWith("{")) {
            return out;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Override
    public void close() {
        reset();
        server.stop(0);
    }

    @Override
    public String toString() {
        return "RotatingGateway[" + url("") + " -> " + target + "]";
    }
}
