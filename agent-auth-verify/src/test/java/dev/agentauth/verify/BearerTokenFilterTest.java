package dev.agentauth.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.testing.TestIssuer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import net.minidev.json.JSONObject;
import net.minidev.json.parser.JSONParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real JDK HTTP server protected by {@link BearerTokenFilter}, called over HTTP; and the servlet filter on the same
 * checks.
 */
class BearerTokenFilterTest {

    static TestIssuer issuer;
    static HttpServer server;
    static String base;
    static ProtectedResourceMetadata metadata;
    static final AtomicReference<VerifiedToken> seen = new AtomicReference<>();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static TokenVerifier verifier;

    @BeforeAll
    static void start() throws Exception {
        issuer = TestIssuer.start();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        verifier = TokenVerifier.builder().issuer(issuer.issuer()).audience("weather-mcp")
                .requiredScopes("weather.read").build();
        metadata = ProtectedResourceMetadata.of(base + "/mcp", issuer.issuer()).withScopes("weather.read")
                .withResourceName("Weather MCP");
        BearerTokenFilter.create(verifier, metadata).protect(server, "/mcp", exchange -> {
            seen.set(BearerTokenFilter.verifiedToken(exchange).orElseThrow());
            byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        issuer.close();
    }

    static HttpResponse<String> post(String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/mcp")).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String token(String scope) {
        return TestIssuer.sign(issuer.rsa, issuer.claims("weather-mcp", Instant.now()).claim("scope", scope).build());
    }

    @Test
    void requestWhenNoTokenThen401PointingToResourceMetadata() throws Exception {
        HttpResponse<String> r = post(null);

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer scope=\"weather.read\", "
                + "resource_metadata=\"" + base + "/.well-known/oauth-protected-resource/mcp\", DPoP algs=\"");
        assertThat(post("Basic dXNlcjpwYXNz").statusCode()).as("another scheme counts as none").isEqualTo(401);
    }

    @Test
    void requestWhenMetadataFetchedThenRfc9728Document() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(metadata.metadataUri()).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        JSONObject json = (JSONObject) new JSONParser(JSONParser.MODE_STRICTEST).parse(r.body());
        assertThat(json.get("resource")).isEqualTo(base + "/mcp");
        assertThat(json.get("authorization_servers")).asList().containsExactly(issuer.issuer());
        assertThat(json.get("scopes_supported")).asList().containsExactly("weather.read");
        assertThat(json.get("bearer_methods_supported")).asList().containsExactly("header");
    }

    @Test
    void requestWhenValidTokenThenHandlerRunsWithVerifiedToken() throws Exception {
        HttpResponse<String> r = post("Bearer " + token("weather.read"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(seen.get().subject()).isEqualTo("alice");
    }

    @Test
    void requestWhenInvalidTokenThen401InvalidTokenWithoutEchoingIt() throws Exception {
        String forged = token("weather.read").replaceFirst("\\.[^.]+$", ".AAAA");

        HttpResponse<String> r = post("Bearer " + forged);

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
                .startsWith("Bearer error=\"invalid_token\"").contains("resource_metadata=");
        assertThat(r.body()).contains("invalid_token").doesNotContain(forged.substring(0, 30));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void requestWhenScopeMissingThen403InsufficientScope() throws Exception {
        HttpResponse<String> r = post("Bearer " + token("weather.other"));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"", "scope=\"weather.read\"");
    }

    @Test
    void requestWhenIssuerKeysUnavailableThen503FailClosed() throws Exception {
        try (TestIssuer down = TestIssuer.start()) {
            down.jwksDown(true);
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 4);
            TokenVerifier v = TokenVerifier.builder().issuer(down.issuer()).audience("weather-mcp").build();
            s.createContext("/api", exchange -> {
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            }).getFilters().add(BearerTokenFilter.create(v, null));
            s.start();
            try {
                String t = TestIssuer.sign(down.rsa, down.claims("weather-mcp", Instant.now()).build());
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + s.getAddress().getPort() + "/api")).header("Authorization", "Bearer " + t).GET()
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
            } finally {
                s.stop(0);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ servlet filter

    @Test
    void servletFilterInJettyWhenValidTokenThenServletSeesItOtherwiseChallenge() throws Exception {
        ProtectedResourceMetadata weather = ProtectedResourceMetadata.of("https://weather.example/mcp",
                issuer.issuer()).withScopes("weather.read");
        org.eclipse.jetty.server.Server jetty = new org.eclipse.jetty.server.Server();
        org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        org.eclipse.jetty.ee10.servlet.ServletContextHandler context =
                new org.eclipse.jetty.ee10.servlet.ServletContextHandler();
        context.setContextPath("/");
        org.eclipse.jetty.ee10.servlet.FilterHolder bearer = new org.eclipse.jetty.ee10.servlet.FilterHolder(
                BearerTokenServletFilter.create(verifier, weather));
        context.addFilter(bearer, "/mcp/*", java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
        context.addFilter(bearer, ProtectedResourceMetadata.WELL_KNOWN + "/*",
                java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
        context.addServlet(new org.eclipse.jetty.ee10.servlet.ServletHolder(new jakarta.servlet.http.HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws java.io.IOException {
                VerifiedToken t = (VerifiedToken) req.getAttribute(VerifiedToken.ATTRIBUTE);
                resp.setContentType("text/plain");
                resp.getWriter().write("ok " + t.subject());
            }
        }), "/mcp/*");
        jetty.setHandler(context);
        jetty.start();
        try {
            String at = "http://127.0.0.1:" + connector.getLocalPort();
            HttpResponse<String> ok = send(at + "/mcp/tools", "Bearer " + token("weather.read"));
            HttpResponse<String> none = send(at + "/mcp/tools", null);
            HttpResponse<String> scope = send(at + "/mcp/tools", "Bearer " + token("other"));
            HttpResponse<String> forged = send(at + "/mcp/tools", "Bearer not.a.jwt");
            HttpResponse<String> md = http.send(HttpRequest.newBuilder(URI.create(at + weather.metadataPath()))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());

            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("ok alice");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .contains("resource_metadata=\"" + weather.metadataUri());
            assertThat(scope.statusCode()).isEqualTo(403);
            assertThat(scope.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .contains("insufficient_scope");
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(forged.body()).doesNotContain("not.a.jwt");
            assertThat(md.statusCode()).isEqualTo(200);
            assertThat(md.body()).contains("https:\\/\\/weather.example\\/mcp");
        } finally {
            jetty.stop();
        }
    }

    static HttpResponse<String> send(String uri, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
