package dev.agentauth.core.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.TokenBroker;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in OAuth callback for CLIs and local agents (RFC 8252 §7.3): listens on 127.0.0.1 only, answers exactly
 * one path, hands the callback to the broker and shows the user a success or failure page. Thread-safe.
 */
final class LoopbackCallbackServer {

    private static final Logger log = LoggerFactory.getLogger(LoopbackCallbackServer.class);

    /**
     * The JDK's HTTP server logs each request line, authorization code and state included, at DEBUG through the
     * platform logger {@code com.sun.net.httpserver}. That logger is held at INFO while the library is loaded (a
     * strong reference, so the level is not lost when the logger is collected): an application that turns everything
     * to DEBUG or bridges {@code java.util.logging} must not get OAuth codes in its logs. Configuring that logger
     * explicitly afterwards overrides this.
     */
    private static final java.util.logging.Logger JDK_SERVER_LOG = quiet("com.sun.net.httpserver");

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.INFO);
        return logger;
    }

    private final HttpServer server;
    private final URI redirectUri;

    private LoopbackCallbackServer(HttpServer server, URI redirectUri) {
        this.server = server;
        this.redirectUri = redirectUri;
    }

    static LoopbackCallbackServer start(int port, String path, TokenBroker broker) {
        HttpServer server;
        try {
            // RFC 8252 §8.3: bind the loopback interface only, never all interfaces.
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 16);
        } catch (IOException e) {
            throw new ConfigurationException("cannot start the loopback OAuth callback on 127.0.0.1:" + port + " ("
                    + e.getMessage() + "); choose another port or 0 for a random one");
        }
        URI redirectUri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        server.createContext("/", exchange -> handle(exchange, path, redirectUri, broker));
        server.start();
        log.info("OAuth callback listening at {}", redirectUri);
        return new LoopbackCallbackServer(server, redirectUri);
    }

    URI redirectUri() {
        return redirectUri;
    }

    void stop() {
        // Let a callback that is still writing its page to the browser finish (at most 1 s).
        server.stop(1);
    }

    private static void handle(HttpExchange exchange, String path, URI redirectUri, TokenBroker broker)
            throws IOException {
        try (exchange) {
            URI requested = exchange.getRequestURI();
            if (!path.equals(requested.getRawPath())) {
                respond(exchange, 404, "Not found", "Nothing here.");
                return;
            }
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "GET");
                respond(exchange, 405, "Method not allowed", "Use GET.");
                return;
            }
            String query = requested.getRawQuery();
            URI callback = URI.create(redirectUri + (query != null ? "?" + query : ""));
            ConsentCallbackResult result;
            try {
                result = broker.completeConsent(callback);
            } catch (RuntimeException e) {
                log.warn("OAuth callback failed: {}", e.getClass().getName());
                respond(exchange, 500, "Sign-in failed", "The agent could not finish the sign-in. Try again.");
                return;
            }
            respond(exchange, result.success() ? 200 : 400, result.success() ? "Connected" : "Sign-in failed",
                    result.userMessage());
        }
    }

    private static void respond(HttpExchange exchange, int status, String title, String message) throws IOException {
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title></head><body style=\"font-family:sans-serif;max-width:32em;margin:4em auto\"><h1>"
                + escape(title) + "</h1><p>" + escape(message) + "</p></body></html>";
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "text/html; charset=utf-8");
        headers.set("Cache-Control", "no-store");
        // The URL carried a code: do not leak it to other sites through Referer.
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        headers.set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
