package dev.agentauth.verify;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.verify.internal.BearerChallenge;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires a valid bearer token on every request of a JDK {@link HttpServer} context; an MCP server over Streamable
 * HTTP needs only:
 *
 * <pre>{@code
 * BearerTokenFilter auth = BearerTokenFilter.create(verifier,
 *         ProtectedResourceMetadata.of("https://mcp.example.com/mcp", "https://idp.example.com"));
 * auth.protect(server, "/mcp", mcpHandler);   // also serves /.well-known/oauth-protected-resource/mcp
 * }</pre>
 *
 * <p>A request without a bearer token gets 401 with {@code WWW-Authenticate: Bearer resource_metadata="…"}; a refused
 * token 401 {@code error="invalid_token"}; missing scopes 403 {@code error="insufficient_scope"}; an issuer whose keys
 * cannot be fetched 503 (fail closed). A verified token is handed on as the exchange attribute
 * {@link VerifiedToken#ATTRIBUTE}; read it with {@link #verifiedToken(HttpExchange)}. Thread-safe; verification runs on
 * the server's request thread.
 */
public final class BearerTokenFilter extends Filter {

    private static final Logger log = LoggerFactory.getLogger(BearerTokenFilter.class);

    private final TokenVerifier verifier;
    private final ProtectedResourceMetadata metadata;

    private BearerTokenFilter(TokenVerifier verifier, ProtectedResourceMetadata metadata) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.metadata = metadata;
    }

    /** A filter; {@code metadata} may be {@code null} when the resource publishes none (then no resource_metadata). */
    public static BearerTokenFilter create(TokenVerifier verifier, ProtectedResourceMetadata metadata) {
        return new BearerTokenFilter(verifier, metadata);
    }

    /** The token this filter verified for {@code exchange}. */
    public static Optional<VerifiedToken> verifiedToken(HttpExchange exchange) {
        return exchange.getAttribute(VerifiedToken.ATTRIBUTE) instanceof VerifiedToken t ? Optional.of(t)
                : Optional.empty();
    }

    /**
     * Serves {@code handler} at {@code path} behind this filter and, when there is metadata, the metadata at its
     * well-known path (unprotected, as RFC 9728 requires).
     */
    public HttpContext protect(HttpServer server, String path, HttpHandler handler) {
        HttpContext context = server.createContext(path, handler);
        context.getFilters().add(this);
        if (metadata != null) {
            try {
                server.createContext(metadata.metadataPath(), metadataHandler());
            } catch (IllegalArgumentException alreadyServed) {
                // another protected path of this resource registered it
            }
        }
        return context;
    }

    /** Serves the protected resource metadata document (GET only). */
    public HttpHandler metadataHandler() {
        if (metadata == null) {
            throw new IllegalStateException("this filter has no protected resource metadata");
        }
        byte[] json = metadata.toJson().getBytes(StandardCharsets.UTF_8);
        return exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("Cache-Control", "max-age=300");
                if ("HEAD".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, json.length);
                exchange.getResponseBody().write(json);
            }
        };
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        VerifiedToken token;
        try {
            token = BearerChallenge.verify(verifier, exchange.getRequestHeaders().get("Authorization"),
                    exchange.getRequestHeaders().get("DPoP"), exchange.getRequestMethod(),
                    BearerChallenge.requestUri(metadata, exchange.getHttpContext().getServer()
                                    instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http",
                            exchange.getRequestHeaders().getFirst("Host"), exchange.getRequestURI().getRawPath()));
        } catch (TokenVerificationException e) {
            BearerChallenge.Refusal refusal = BearerChallenge.refusal(e, metadata);
            log.debug("{} {} refused: {} ({})", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    refusal.reason(), e.getMessage());
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                byte[] body = refusal.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("WWW-Authenticate", refusal.wwwAuthenticate());
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                if (refusal.status() == 503) {
                    exchange.getResponseHeaders().set("Retry-After", "30");
                }
                exchange.sendResponseHeaders(refusal.status(), body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            return;
        }
        exchange.setAttribute(VerifiedToken.ATTRIBUTE, token);
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "requires a bearer token verified by " + verifier;
    }
}
