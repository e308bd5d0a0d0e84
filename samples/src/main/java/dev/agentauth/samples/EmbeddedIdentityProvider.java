package dev.agentauth.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.OAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * The demo's identity provider: mock-oauth2-server with a login page where any user name signs in. Real OAuth 2.0 and
 * OpenID Connect (discovery, PKCE, signed JWTs, refresh, revocation), no accounts, no internet.
 *
 * <p>Like a real authorization server it puts the granted scopes into the access token ({@code scope}) and names the
 * APIs they are for in {@code aud}: scope {@code notes.read} gives audience {@code notes}, so the demo APIs can verify
 * tokens as any resource server would. mock-oauth2-server does not remember the scopes of an authorization request
 * when it redeems the code, so a small front door on 127.0.0.1 notes them per code (and then per refresh token) and
 * hands them on.
 */
public final class EmbeddedIdentityProvider implements AutoCloseable {

    /** The issuer id: the issuer URL is {@code http://127.0.0.1:<port>/demo}. */
    public static final String ISSUER_ID = "demo";
    private static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "email", "offline_access");

    private final MockOAuth2Server server;
    private final HttpServer frontDoor;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "demo-idp");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, String> scopesByGrant = new ConcurrentHashMap<>();   // code or refresh token -> scope
    private final ObjectMapper json = new ObjectMapper();
    private final URI backend;

    private EmbeddedIdentityProvider(int port) throws IOException {
        OAuth2TokenCallback scopes = new ScopeAudienceCallback();
        server = new MockOAuth2Server(new OAuth2Config(true, null, null, true, new OAuth2TokenProvider(),
                Set.of(scopes)));
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        backend = URI.create("http://127.0.0.1:" + server.baseUrl().port());
        frontDoor = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 64);
        frontDoor.setExecutor(threads);
        frontDoor.createContext("/", this::forward);
        frontDoor.start();
    }

    /** Starts on a random free port. */
    public static EmbeddedIdentityProvider start() {
        return start(0);
    }

    /** Starts on {@code port} (0 for a random free one). */
    public static EmbeddedIdentityProvider start(int port) {
        try {
            return new EmbeddedIdentityProvider(port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the demo identity provider on port " + port, e);
        }
    }

    /** The issuer URL; the broker discovers everything else from it. */
    public String issuer() {
        return "http://127.0.0.1:" + frontDoor.getAddress().getPort() + "/" + ISSUER_ID;
    }

    @Override
    public void close() {
        frontDoor.stop(0);
        server.shutdown();
        threads.shutdownNow();
    }

    private void forward(HttpExchange ex) throws IOException {
        try (ex) {
            URI target = backend.resolve(ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
            byte[] requestBody = ex.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
                    .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(requestBody))
                    // mock-oauth2-server builds its URLs (issuer, endpoints) from the port a proxy forwards for
                    .header("X-Forwarded-Port", Integer.toString(frontDoor.getAddress().getPort()))
                    .header("X-Forwarded-Proto", "http");
            ex.getRequestHeaders().forEach((name, values) -> {
                if (!Set.of("host", "connection", "content-length", "expect", "upgrade")
                        .contains(name.toLowerCase())) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.sendResponseHeaders(503, -1);
                return;
            }
            rememberScopesOfIssuedCode(ex.getRequestURI(), response);
            rememberScopesOfIssuedRefreshToken(ex.getRequestURI(), requestBody, response);
            response.headers().map().forEach((name, values) -> {
                if (!Set.of("content-length", "transfer-encoding", "connection", ":status")
                        .contains(name.toLowerCase())) {
                    ex.getResponseHeaders().put(name, new ArrayList<>(values));
                }
            });
            byte[] body = response.body();
            ex.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    // The login form posts back to the authorization URL, scope included, and is answered with a redirect carrying
    // the code.
    private void rememberScopesOfIssuedCode(URI request, HttpResponse<?> response) {
        if (!request.getRawPath().endsWith("/authorize")) {
            return;
        }
        response.headers().firstValue("Location").map(URI::create).ifPresent(location -> {
            String code = query(location.getRawQuery(), "code");
            String scope = query(request.getRawQuery(), "scope");
            if (code != null && scope != null) {
                scopesByGrant.put(code, scope);
            }
        });
    }

    // A refresh token keeps the scopes of the grant it came from, through rotations.
    private void rememberScopesOfIssuedRefreshToken(URI request, byte[] requestBody, HttpResponse<byte[]> response) {
        if (!request.getRawPath().endsWith("/token") || response.statusCode() != 200) {
            return;
        }
        String form = new String(requestBody, StandardCharsets.UTF_8);
        String grant = "authorization_code".equals(query(form, "grant_type")) ? query(form, "code")
                : query(form, "refresh_token");
        String scope = grant == null ? null : scopesByGrant.get(grant);
        if (scope == null) {
            return;
        }
        try {
            String refreshToken = json.readTree(response.body()).path("refresh_token").asText(null);
            if (refreshToken != null) {
                scopesByGrant.put(refreshToken, scope);
            }
        } catch (IOException e) {
            // not JSON: nothing to remember
        }
    }

    private static String query(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** Puts {@code scope} and the matching audiences into every access token of the demo issuer. */
    private final class ScopeAudienceCallback implements OAuth2TokenCallback {

        @Override
        public String issuerId() {
            return ISSUER_ID;
        }

        @Override
        public String subject(TokenRequest request) {
            // client credentials: the agent itself; user tokens get the login name from mock-oauth2-server
            return request.getClientAuthentication() != null
                    ? request.getClientAuthentication().getClientID().getValue()
                    : request.getClientID() == null ? "unknown" : request.getClientID().getValue();
        }

        @Override
        public String typeHeader(TokenRequest request) {
            return "JWT";
        }

        @Override
        public List<String> audience(TokenRequest request) {
            Set<String> audiences = new LinkedHashSet<>();
            for (String scope : scopes(request)) {
                if (!OIDC_SCOPES.contains(scope)) {
                    audiences.add(scope.contains(".") ? scope.substring(0, scope.indexOf('.')) : scope);
                }
            }
            return audiences.isEmpty() ? List.of("default") : List.copyOf(audiences);
        }

        @Override
        public Map<String, Object> addClaims(TokenRequest request) {
            return Map.of("scope", String.join(" ", scopes(request)));
        }

        @Override
        public long tokenExpiry() {
            return 3600;
        }

        private List<String> scopes(TokenRequest request) {
            String scope = request.getScope() != null ? request.getScope().toString() : null;
            if (scope == null && request.getAuthorizationGrant() instanceof AuthorizationCodeGrant code) {
                scope = scopesByGrant.get(code.getAuthorizationCode().getValue());
            } else if (scope == null && request.getAuthorizationGrant() instanceof RefreshTokenGrant refresh) {
                scope = scopesByGrant.get(refresh.getRefreshToken().getValue());
            }
            return scope == null || scope.isBlank() ? List.of() : List.of(scope.trim().split("\\s+"));
        }
    }
}
