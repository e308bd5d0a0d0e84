package dev.agentauth.mcp.auth;

import dev.agentauth.core.Scopes;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed {@code WWW-Authenticate: Bearer ...} challenge (RFC 6750 §3, RFC 9728 §5.1): the parameters an MCP server
 * sends with a 401 or 403. Immutable.
 *
 * @param error            {@code invalid_token}, {@code insufficient_scope}, … or {@code null}
 * @param errorDescription the server's description, or {@code null} (never shown with a token)
 * @param scope            the scopes the server asks for ({@link Scopes#NONE} when absent); authoritative for the
 *                         current request (MCP 2025-11-25, "Scope Selection Strategy")
 * @param resourceMetadata the RFC 9728 protected resource metadata URL, or {@code null}
 */
public record WwwAuthenticate(String error, String errorDescription, Scopes scope, URI resourceMetadata) {

    /** No challenge at all (a 401 without a {@code WWW-Authenticate} header). */
    public static final WwwAuthenticate NONE = new WwwAuthenticate(null, null, Scopes.NONE, null);

    public WwwAuthenticate {
        scope = scope == null ? Scopes.NONE : scope;
    }

    /** Whether the server said the token lacks scope (RFC 6750 §3.1). */
    public boolean insufficientScope() {
        return "insufficient_scope".equals(error);
    }

    public Optional<URI> resourceMetadataUri() {
        return Optional.ofNullable(resourceMetadata);
    }

    /**
     * Parses the {@code Bearer} challenge among the header values; {@link #NONE} when there is none. Tolerates quoted
     * and unquoted auth-params (RFC 9110 §11.2) and other schemes in the same header.
     */
    public static WwwAuthenticate parse(Iterable<String> headerValues) {
        for (String value : headerValues) {
            Map<String, String> params = bearerParams(value);
            if (params != null) {
                URI metadata = null;
                String rm = params.get("resource_metadata");
                if (rm != null) {
                    try {
                        metadata = URI.create(rm);
                    } catch (IllegalArgumentException e) {
                        metadata = null; // a malformed URL is treated as absent: the well-known URIs are tried
                    }
                }
                String scope = params.get("scope");
                return new WwwAuthenticate(params.get("error"), params.get("error_description"),
                        scope == null || scope.isBlank() ? Scopes.NONE : Scopes.parse(scope), metadata);
            }
        }
        return NONE;
    }

    /**
     * Whether the header values hold a {@code DPoP} challenge with {@code error="use_dpop_nonce"} (RFC 9449 §9): the
     * resource server wants the request again with a proof carrying the nonce of its {@code DPoP-Nonce} header.
     *
     * @since 0.2.0
     */
    public static boolean isDpopNonceChallenge(Iterable<String> headerValues) {
        for (String value : headerValues) {
            Map<String, String> dpop = params(value, "DPoP");
            if (dpop != null && "use_dpop_nonce".equals(dpop.get("error"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses one header value; the Bearer challenge's parameters, else those of a DPoP challenge (RFC 9449 §7.1,
     * which carries the same parameters), or {@code null} when it has neither.
     */
    static Map<String, String> bearerParams(String header) {
        Map<String, String> bearer = params(header, "Bearer");
        return bearer != null ? bearer : params(header, "DPoP");
    }

    /** The parameters of the first challenge of {@code scheme} in one header value, or {@code null}. */
    static Map<String, String> params(String header, String scheme) {
        if (header == null) {
            return null;
        }
        int i = 0;
        int n = header.length();
        Map<String, String> current = null;
        Map<String, String> bearer = null;
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < n && header.charAt(i) != ' ' && header.charAt(i) != '=' && header.charAt(i) != ',') {
                i++;
            }
            String token = header.substring(start, i);
            if (token.isEmpty()) {
                break;
            }
            int j = i;
            while (j < n && header.charAt(j) == ' ') {
                j++;
            }
            if (j < n && header.charAt(j) == '=') {
                // auth-param: name=value or name="quoted value"
                i = j + 1;
                while (i < n && header.charAt(i) == ' ') {
                    i++;
                }
                StringBuilder v = new StringBuilder();
                if (i < n && header.charAt(i) == '"') {
                    i++;
                    while (i < n && header.charAt(i) != '"') {
                        char c = header.charAt(i);
                        if (c == '\\' && i + 1 < n) {
                            i++;
                            c = header.charAt(i);
                        }
                        v.append(c);
                        i++;
                    }
                    i++; // closing quote
                } else {
                    while (i < n && header.charAt(i) != ',' && header.charAt(i) != ' ') {
                        v.append(header.charAt(i));
                        i++;
                    }
                }
                if (current != null) {
                    current.putIfAbsent(token.toLowerCase(Locale.ROOT), v.toString());
                }
            } else {
                // a new challenge's scheme
                current = new LinkedHashMap<>();
                if (token.equalsIgnoreCase(scheme) && bearer == null) {
                    bearer = current;
                }
            }
        }
        return bearer;
    }
}
