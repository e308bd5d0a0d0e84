package dev.agentauth.verify;

import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses a request whose bearer token does not cover the action it asks for, as RFC 9396 authorization details: put
 * it after a {@link BearerTokenFilter} on the same context, with a function that says what each request needs (its
 * path and body say which payment, which repository). A request the token covers ({@link VerifiedToken#covers}) goes
 * on; one it does not gets HTTP 403 with {@code WWW-Authenticate: Bearer error="insufficient_scope"} (RFC 6750 §3.1:
 * the token lacks the privilege; RFC 9396 defines no resource-server error of its own) — so a token a user approved
 * for paying bob 42 EUR cannot pay mallory.
 *
 * <pre>{@code
 * HttpContext payments = bearer.protect(server, "/payments", handler);
 * payments.getFilters().add(AuthorizationDetailsFilter.requiring(exchange -> List.of(paymentOf(exchange))));
 * }</pre>
 *
 * <p>The function runs on the server's request thread and may read the request (a body it reads must be handed on by
 * the application, e.g. as an exchange attribute); it must not block on anything slow. A request without a verified
 * token (no {@link BearerTokenFilter} before this one) is refused with 401. Thread-safe.
 *
 * @since 0.3.0
 */
public final class AuthorizationDetailsFilter extends Filter {

    private static final Logger log = LoggerFactory.getLogger(AuthorizationDetailsFilter.class);

    private final Function<HttpExchange, List<AuthorizationDetail>> required;

    private AuthorizationDetailsFilter(Function<HttpExchange, List<AuthorizationDetail>> required) {
        this.required = Objects.requireNonNull(required, "required");
    }

    /** A filter that lets through only requests whose token covers what {@code required} says each one needs. */
    public static AuthorizationDetailsFilter requiring(Function<HttpExchange, List<AuthorizationDetail>> required) {
        return new AuthorizationDetailsFilter(required);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        VerifiedToken token = BearerTokenFilter.verifiedToken(exchange).orElse(null);
        if (token == null) {
            refuse(exchange, 401, "Bearer", "{\"error\":\"invalid_token\"}");
            return;
        }
        List<AuthorizationDetail> needed = required.apply(exchange);
        if (needed != null && token.covers(needed)) {
            chain.doFilter(exchange);
            return;
        }
        log.debug("{} {} refused: the token's authorization details do not cover the request",
                exchange.getRequestMethod(), exchange.getRequestURI().getRawPath());
        refuse(exchange, 403, "Bearer error=\"insufficient_scope\", error_description=\"the token's"
                        + " authorization_details do not cover this request\"",
                "{\"error\":\"insufficient_scope\",\"error_description\":\"the token's authorization_details do not"
                        + " cover this request\"}");
    }

    private static void refuse(HttpExchange exchange, int status, String challenge, String json) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("WWW-Authenticate", challenge);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public String description() {
        return "requires a bearer token whose RFC 9396 authorization details cover the request";
    }
}
