package dev.agentauth.benchmarks;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.verify.BearerTokenFilter;
import dev.agentauth.verify.BearerTokenServletFilter;
import dev.agentauth.verify.ProtectedResourceMetadata;
import dev.agentauth.verify.TokenVerifier;
import dev.agentauth.verify.TrustedIssuer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * What the bearer filters add on top of {@code TokenVerifier.verify} (RS256, cached JWKS): the JDK
 * {@link BearerTokenFilter} on an in-memory {@link HttpExchange}, and {@link BearerTokenServletFilter} on in-memory
 * servlet request and response objects (dynamic proxies standing in for a container's), each passing the verified
 * token on to a handler that does nothing. The filters' own cost is the difference to {@link #verifyOnly}: reading the
 * {@code Authorization} and {@code DPoP} headers, the request URL, the attribute, the chain.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class BearerFilterBenchmark {

    static final String ISSUER = "https://issuer.example";
    static final String AUDIENCE = "notes-api";

    HttpServer jwks;
    TokenVerifier verifier;
    BearerTokenFilter jdkFilter;
    BearerTokenServletFilter servletFilter;
    String token;
    HttpServletRequest servletRequest;
    HttpServletResponse servletResponse;
    FilterChain servletChain;
    HttpHandler handler;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        byte[] body = new JWKSet(rsa.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwks = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        jwks.createContext("/jwks", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        jwks.start();
        verifier = TokenVerifier.builder()
                .trust(TrustedIssuer.of(ISSUER).withJwksUri("http://127.0.0.1:" + jwks.getAddress().getPort()
                        + "/jwks"))
                .audience(AUDIENCE).build();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("alice")
                .issueTime(new Date()).expirationTime(new Date(System.currentTimeMillis() + 3_600_000))
                .claim("scope", "notes.read").build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
                .type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(rsa));
        token = jwt.serialize();
        verifier.verify(token); // fetches and caches the JWKS

        ProtectedResourceMetadata metadata = ProtectedResourceMetadata.of("https://notes.example/mcp", ISSUER);
        jdkFilter = BearerTokenFilter.create(verifier, metadata);
        servletFilter = BearerTokenServletFilter.create(verifier, metadata);
        handler = exchange -> { };
        Map<String, Object> attributes = new HashMap<>();
        servletRequest = (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getHeaders" -> "Authorization".equalsIgnoreCase((String) args[0])
                            ? Collections.enumeration(List.of("Bearer " + token)) : Collections.emptyEnumeration();
                    case "getHeader" -> "Host".equalsIgnoreCase((String) args[0]) ? "notes.example" : null;
                    case "getMethod" -> "POST";
                    case "getRequestURI" -> "/mcp";
                    case "getScheme" -> "https";
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "getAttribute" -> attributes.get((String) args[0]);
                    default -> method.getReturnType() == boolean.class ? false
                            : method.getReturnType() == int.class ? 0 : null;
                });
        servletResponse = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) ->
                        method.getReturnType() == boolean.class ? false
                                : method.getReturnType() == int.class ? 0 : null);
        servletChain = (request, response) -> { };
        // Both filters must let the request through.
        Exchange probe = new Exchange(token);
        jdkFilter.doFilter(probe, new Filter.Chain(List.of(), handler));
        if (BearerTokenFilter.verifiedToken(probe).isEmpty()) {
            throw new IllegalStateException("the JDK filter refused the benchmark's token");
        }
        servletFilter.doFilter(servletRequest, servletResponse, servletChain);
        if (attributes.isEmpty()) {
            throw new IllegalStateException("the servlet filter refused the benchmark's token");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        jwks.stop(0);
    }

    @Benchmark
    public Object verifyOnly() {
        return verifier.verify(token);
    }

    @Benchmark
    public Object jdkFilter() throws Exception {
        Exchange exchange = new Exchange(token);
        jdkFilter.doFilter(exchange, new Filter.Chain(List.of(), handler));
        return exchange;
    }

    @Benchmark
    public Object servletFilter() throws Exception {
        servletFilter.doFilter(servletRequest, servletResponse, servletChain);
        return servletRequest;
    }

    /** An in-memory request to {@code POST https://notes.example/mcp} with a bearer token. */
    static final class Exchange extends HttpExchange {
        private final Headers request = new Headers();
        private final Headers response = new Headers();
        private final Map<String, Object> attributes = new HashMap<>(4);

        Exchange(String token) {
            request.add("Authorization", "Bearer " + token);
            request.add("Host", "notes.example");
        }

        @Override public Headers getRequestHeaders() { return request; }
        @Override public Headers getResponseHeaders() { return response; }
        @Override public URI getRequestURI() { return URI.create("/mcp"); }
        @Override public String getRequestMethod() { return "POST"; }
        @Override public HttpContext getHttpContext() { return CONTEXT; }
        @Override public void close() { }
        @Override public InputStream getRequestBody() { return new ByteArrayInputStream(new byte[0]); }
        @Override public OutputStream getResponseBody() { return new ByteArrayOutputStream(); }
        @Override public void sendResponseHeaders(int code, long length) { }
        @Override public InetSocketAddress getRemoteAddress() { return null; }
        @Override public int getResponseCode() { return -1; }
        @Override public InetSocketAddress getLocalAddress() { return null; }
        @Override public String getProtocol() { return "HTTP/1.1"; }
        @Override public Object getAttribute(String name) { return attributes.get(name); }
        @Override public void setAttribute(String name, Object value) { attributes.put(name, value); }
        @Override public void setStreams(InputStream i, OutputStream o) { }
        @Override public HttpPrincipal getPrincipal() { return null; }
    }

    static final HttpContext CONTEXT = new HttpContext() {
        @Override public HttpHandler getHandler() { return null; }
        @Override public void setHandler(HttpHandler h) { }
        @Override public String getPath() { return "/mcp"; }
        @Override public HttpServer getServer() { return null; }
        @Override public Map<String, Object> getAttributes() { return Map.of(); }
        @Override public List<Filter> getFilters() { return List.of(); }
        @Override public com.sun.net.httpserver.Authenticator setAuthenticator(com.sun.net.httpserver.Authenticator a) {
            return null;
        }
        @Override public com.sun.net.httpserver.Authenticator getAuthenticator() { return null; }
    };
}
