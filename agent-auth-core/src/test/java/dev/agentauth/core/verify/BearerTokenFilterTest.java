package dev.agentauth.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.testing.TestIssuer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer scope=\"weather.read\", "
                + "resource_metadata=\"" + base + "/.well-known/oauth-protected-resource/mcp\"");
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
    void servletFilterWhenValidTokenThenChainWithAttributeOtherwiseChallenge() throws Exception {
        BearerTokenServletFilter filter = BearerTokenServletFilter.create(verifier, metadata);

        Exchange ok = Exchange.of("POST", "/mcp", "Bearer " + token("weather.read"));
        filter.doFilter(ok.request, ok.response, ok.chain);
        assertThat(ok.chained).isTrue();
        assertThat(((VerifiedToken) ok.attributes.get(VerifiedToken.ATTRIBUTE)).subject()).isEqualTo("alice");

        Exchange none = Exchange.of("POST", "/mcp", null);
        filter.doFilter(none.request, none.response, none.chain);
        assertThat(none.chained).isFalse();
        assertThat(none.status).isEqualTo(401);
        assertThat(none.headers.get("WWW-Authenticate")).contains("resource_metadata=\"" + metadata.metadataUri());

        Exchange scope = Exchange.of("POST", "/mcp", "Bearer " + token("other"));
        filter.doFilter(scope.request, scope.response, scope.chain);
        assertThat(scope.status).isEqualTo(403);

        Exchange md = Exchange.of("GET", metadata.metadataPath(), null);
        filter.doFilter(md.request, md.response, md.chain);
        assertThat(md.status).isEqualTo(200);
        assertThat(md.body.toString(StandardCharsets.UTF_8)).contains("\"resource\":\"" + base.replace("/", "\\/"));
    }

    /** A servlet request and response as a container would pass them; only what the filter touches. */
    static final class Exchange {
        final Map<String, Object> attributes = new HashMap<>();
        final Map<String, String> headers = new HashMap<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        int status = 200;
        boolean chained;
        HttpServletRequest request;
        HttpServletResponse response;
        FilterChain chain = (req, res) -> chained = true;

        static Exchange of(String method, String uri, String authorization) {
            Exchange e = new Exchange();
            e.request = (HttpServletRequest) Proxy.newProxyInstance(Exchange.class.getClassLoader(),
                    new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "getMethod" -> method;
                        case "getRequestURI" -> uri;
                        case "getHeaders" -> Collections.enumeration(
                                authorization == null ? List.of() : List.of(authorization));
                        case "setAttribute" -> e.attributes.put((String) args[0], args[1]);
                        case "getAttribute" -> e.attributes.get((String) args[0]);
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
            ServletOutputStream out = new ServletOutputStream() {
                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                }

                @Override
                public void write(int b) {
                    e.body.write(b);
                }
            };
            e.response = (HttpServletResponse) Proxy.newProxyInstance(Exchange.class.getClassLoader(),
                    new Class<?>[] {HttpServletResponse.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "setStatus" -> {
                            e.status = (Integer) args[0];
                            yield null;
                        }
                        case "setHeader" -> e.headers.put((String) args[0], (String) args[1]);
                        case "setContentType" -> e.headers.put("Content-Type", (String) args[0]);
                        case "getOutputStream" -> out;
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
            return e;
        }
    }
}
