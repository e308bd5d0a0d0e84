package dev.agentauth.spring.boot;

import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.TokenBroker;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Principal;

/**
 * The OAuth redirect URI: completes the consent for the signed-in user of this request — the Spring Security user
 * ({@link HttpServletRequest#getUserPrincipal()}), never a parameter — and answers a small page that tells a popup's
 * opener ({@code postMessage} of {@code agentauth-consent}, same origin only) and closes itself. A request without a
 * signed-in user redeems nothing (401). The broker checks state, PKCE, issuer and that the consent is this user's.
 * Thread-safe; blocks on the token endpoint.
 */
public class ConsentCallbackServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient TokenBroker broker;
    private final URI redirectUri;

    public ConsentCallbackServlet(TokenBroker broker, URI redirectUri) {
        this.broker = broker;
        this.redirectUri = redirectUri;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Principal user = request.getUserPrincipal();
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Referrer-Policy", "no-referrer");
        if (user == null) {
            page(response, 401, "NOT_SIGNED_IN", "Sign in to the application first, then authorize again.");
            return;
        }
        String query = request.getQueryString();
        // The redirect URI as registered (the broker compares it), with this request's parameters.
        URI callback = URI.create(redirectUri + (query == null ? "" : "?" + query));
        ConsentCallbackResult result = broker.completeConsent(callback, user.getName());
        page(response, result.httpStatus(), result.status().name(), result.userMessage());
    }

    private static void page(HttpServletResponse response, int status, String code, String message)
            throws IOException {
        response.setStatus(status);
        response.setContentType("text/html; charset=utf-8");
        String html = """
                <!doctype html><html><head><meta charset="utf-8"><title>Authorization</title></head>
                <body data-status="%s"><p id="message">%s</p><p>You can close this window.</p>
                <script>if (window.opener) { window.opener.postMessage({type: 'agentauth-consent', status: '%s'},
                location.origin); } if ('%s' === 'COMPLETED') { setTimeout(() => window.close(), 300); }</script>
                </body></html>""".formatted(code, escape(message), code, code);
        response.getOutputStream().write(html.getBytes(StandardCharsets.UTF_8));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
