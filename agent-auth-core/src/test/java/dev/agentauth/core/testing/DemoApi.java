package dev.agentauth.core.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A small notes API on 127.0.0.1 that accepts only bearer tokens signed by the test identity provider (verified
 * against its JWKS) and answers with the token's subject's data. Tests can make it reject a given token once (401).
 */
public final class DemoApi implements AutoCloseable {

    private final HttpServer server;
    private final DefaultJWTProcessor<SecurityContext> jwt = new DefaultJWTProcessor<>();
    private final Map<String, List<String>> notes = new ConcurrentHashMap<>();
    private final Set<String> rejectOnce = ConcurrentHashMap.newKeySet();
    private final List<String> receivedTokens = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger rejectNext = new java.util.concurrent.atomic.AtomicInteger();

    private DemoApi(String jwksUri) throws IOException {
        JWKSource<SecurityContext> keys = JWKSourceBuilder.create(new URL(jwksUri)).retrying(true).build();
        jwt.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/notes", this::notes);
        server.createContext("/whoami", this::whoami);
        server.start();
    }

    public static DemoApi start(String jwksUri) {
        try {
            return new DemoApi(jwksUri);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Answers 401 the next time {@code token} is presented. */
    public void rejectOnce(String token) {
        rejectOnce.add(token);
    }

    /** Answers 401 to the next {@code n} requests, whatever their token. */
    public void rejectNext(int n) {
        rejectNext.set(n);
    }

    private static final java.net.http.HttpClient CLIENT = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

    /**
     * What a tool of the tests does with its credential: a GET of {@code uri} with {@code authorization}, its body;
     * a 401 is thrown as {@code unauthorized} makes it (a tool throws the agent core's
     * {@code TokenRejectedException}).
     */
    public static String get(URI uri, String authorization,
                             java.util.function.Supplier<? extends RuntimeException> unauthorized) {
        try {
            java.net.http.HttpResponse<String> r = CLIENT.send(java.net.http.HttpRequest.newBuilder(uri)
                    .header("Authorization", authorization).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 401) {
                throw unauthorized.get();
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException("notes API unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every bearer token presented so far. */
    public List<String> receivedTokens() {
        return receivedTokens;
    }

    private String subject(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            respond(ex, 401, "missing bearer token");
            return null;
        }
        String token = auth.substring(7);
        receivedTokens.add(token);
        if (rejectOnce.remove(token) || rejectNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            respond(ex, 401, "token revoked");
            return null;
        }
        try {
            JWTClaimsSet claims = jwt.process(token, null);
            return claims.getSubject();
        } catch (Exception e) {
            respond(ex, 401, "invalid token");
            return null;
        }
    }

    private void notes(HttpExchange ex) throws IOException {
        try (ex) {
            String sub = subject(ex);
            if (sub == null) {
                return;
            }
            if ("POST".equals(ex.getRequestMethod())) {
                String text = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                notes.computeIfAbsent(sub, k -> new CopyOnWriteArrayList<>()).add(text);
                respond(ex, 201, "saved for " + sub);
            } else {
                respond(ex, 200, "notes of " + sub + ": " + notes.getOrDefault(sub, List.of("welcome, " + sub)));
            }
        }
    }

    private void whoami(HttpExchange ex) throws IOException {
        try (ex) {
            String sub = subject(ex);
            if (sub != null) {
                respond(ex, 200, "sub=" + sub);
            }
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
