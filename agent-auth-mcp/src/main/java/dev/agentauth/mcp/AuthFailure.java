package dev.agentauth.mcp;

import dev.agentauth.mcp.auth.WwwAuthenticate;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A 401 or 403 answer of an MCP server, dug out of the exception the SDK threw; {@code dpopNonceChallenge} when it is a
 * DPoP nonce challenge ({@link DpopNonceRetry#isChallenge}), which is no refusal of the token.
 */
record AuthFailure(int status, WwwAuthenticate challenge, boolean dpopNonceChallenge) {

    AuthFailure(int status, WwwAuthenticate challenge) {
        this(status, challenge, false);
    }

    private static AuthFailure of(int status, java.net.http.HttpHeaders headers) {
        return new AuthFailure(status, WwwAuthenticate.parse(headers.allValues("WWW-Authenticate")),
                DpopNonceRetry.isChallenge(status, headers));
    }

    // The legacy SSE transport reports a refused POST only in its message ("... non-OK HTTP code: 401 ...").
    private static final Pattern STATUS_IN_MESSAGE = Pattern.compile("HTTP (?:code|status)[^0-9]{0,4}(401|403)\\b");

    /** The authorization failure behind {@code e}, or {@code null} when it is some other failure. */
    static AuthFailure of(Throwable e) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        AuthFailure fromMessage = null;
        for (Throwable t = e; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof McpHttpClientTransportAuthorizationException auth && auth.getResponseInfo() != null) {
                return of(auth.getResponseInfo().statusCode(), auth.getResponseInfo().headers());
            }
            if (t instanceof io.modelcontextprotocol.modern.client.transport.McpHttpStatusException http
                    && (http.statusCode() == 401 || http.statusCode() == 403)) {
                return of(http.statusCode(), http.headers());
            }
            for (Throwable s : t.getSuppressed()) {
                AuthFailure inner = s == e ? null : of(s);
                if (inner != null) {
                    return inner;
                }
            }
            if (fromMessage == null && t.getMessage() != null) {
                Matcher m = STATUS_IN_MESSAGE.matcher(t.getMessage());
                if (m.find()) {
                    fromMessage = new AuthFailure(Integer.parseInt(m.group(1)), WwwAuthenticate.NONE);
                }
            }
        }
        return fromMessage;
    }
}
