package dev.agentauth.verify.internal;

import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.token.BearerTokenError;
import dev.agentauth.verify.ProtectedResourceMetadata;
import dev.agentauth.verify.TokenVerificationException;
import dev.agentauth.verify.TokenVerificationException.Reason;
import dev.agentauth.verify.TokenVerifier;
import dev.agentauth.verify.VerifiedToken;
import java.util.List;
import net.minidev.json.JSONObject;

/**
 * What the HTTP filters share: reading the {@code Authorization} header (RFC 6750 §2.1) and turning a refusal into a
 * status, a {@code WWW-Authenticate} challenge (RFC 6750 §3, with {@code resource_metadata} from RFC 9728 §5.1) and a
 * small JSON body. Stateless and thread-safe.
 */
public final class BearerChallenge {

    /** An answer to send instead of serving the request. */
    public record Refusal(int status, String wwwAuthenticate, String body, Reason reason) {
    }

    private BearerChallenge() {
    }

    /**
     * Verifies the request's bearer token.
     *
     * @param authorizationHeaders every {@code Authorization} header value of the request
     * @throws TokenVerificationException when there is no usable token, or it is refused
     */
    public static VerifiedToken verify(TokenVerifier verifier, List<String> authorizationHeaders) {
        if (authorizationHeaders == null || authorizationHeaders.isEmpty()) {
            throw new TokenVerificationException(Reason.MISSING_TOKEN, "no Authorization header");
        }
        if (authorizationHeaders.size() > 1) {
            throw new TokenVerificationException(Reason.MALFORMED, "more than one Authorization header");
        }
        String header = authorizationHeaders.get(0).trim();
        int space = header.indexOf(' ');
        if (space < 0 || !header.substring(0, space).equalsIgnoreCase("Bearer")) {
            // Another scheme (Basic, DPoP…): as if no bearer token was sent (RFC 6750 §3.1).
            throw new TokenVerificationException(Reason.MISSING_TOKEN, "no bearer token in the Authorization header");
        }
        return verifier.verify(header.substring(space + 1).trim());
    }

    /**
     * Verifies the request's token, bearer or DPoP-bound (RFC 9449 §7): {@code Authorization: DPoP <token>} with
     * exactly one {@code DPoP} proof header for {@code method} and {@code uri}; a DPoP-bound token (with
     * {@code cnf.jkt}) sent as a bearer token is refused ({@link Reason#DPOP_REQUIRED}).
     *
     * @param dpopHeaders every {@code DPoP} header value of the request
     * @param uri         the request's URL as the client addressed it (scheme, host, port, path)
     * @throws TokenVerificationException when there is no usable token, or it is refused
     */
    public static VerifiedToken verify(TokenVerifier verifier, List<String> authorizationHeaders,
                                       List<String> dpopHeaders, String method, java.net.URI uri) {
        if (authorizationHeaders != null && authorizationHeaders.size() == 1) {
            String header = authorizationHeaders.get(0).trim();
            int space = header.indexOf(' ');
            if (space > 0 && header.substring(0, space).equalsIgnoreCase("DPoP")) {
                if (dpopHeaders == null || dpopHeaders.size() != 1) {
                    throw new TokenVerificationException(Reason.INVALID_DPOP_PROOF, dpopHeaders == null
                            || dpopHeaders.isEmpty() ? "no DPoP proof header" : "more than one DPoP proof header");
                }
                return verifier.verifyDpop(header.substring(space + 1).trim(), dpopHeaders.get(0).trim(), method,
                        uri);
            }
        }
        VerifiedToken token = verify(verifier, authorizationHeaders);
        if (token.claims().get("cnf") instanceof java.util.Map<?, ?> cnf && cnf.get("jkt") != null) {
            throw new TokenVerificationException(Reason.DPOP_REQUIRED,
                    "a DPoP-bound token was presented as a bearer token");
        }
        return token;
    }

    /**
     * The URL a request was addressed to: the protected resource's scheme and authority (the address clients use,
     * also behind a proxy) when there is metadata, else the request's own, with the request's path.
     */
    public static java.net.URI requestUri(ProtectedResourceMetadata metadata, String scheme, String host,
                                          String rawPath) {
        String base = metadata != null
                ? metadata.resource().getScheme() + "://" + metadata.resource().getRawAuthority()
                : scheme + "://" + (host == null ? "localhost" : host);
        try {
            return java.net.URI.create(base + (rawPath == null || rawPath.isEmpty() ? "/" : rawPath));
        } catch (IllegalArgumentException e) {
            return java.net.URI.create(base + "/");
        }
    }

    /** The answer to a refused request. */
    public static Refusal refusal(TokenVerificationException e, ProtectedResourceMetadata metadata) {
        Reason reason = e.reason();
        if (reason == Reason.INVALID_DPOP_PROOF || reason == Reason.DPOP_REQUIRED) {
            // RFC 9449 §7.1: the DPoP scheme's challenge, with the proof algorithms this server accepts.
            com.nimbusds.oauth2.sdk.token.DPoPTokenError dpop = (reason == Reason.DPOP_REQUIRED
                    ? com.nimbusds.oauth2.sdk.token.DPoPTokenError.INVALID_TOKEN
                    .setDescription("The DPoP-bound token needs the DPoP scheme and a proof")
                    : com.nimbusds.oauth2.sdk.token.DPoPTokenError.INVALID_DPOP_PROOF
                    .setDescription("The DPoP proof is invalid"))
                    .setJWSAlgorithms(DpopProofCheck.ALGORITHMS);
            String challenge = dpop.toWWWAuthenticateHeader();
            if (metadata != null) {
                challenge = challenge + ", resource_metadata=\"" + metadata.metadataUri() + "\"";
            }
            JSONObject body = new JSONObject();
            body.put("error", dpop.getCode());
            body.put("error_description", dpop.getDescription());
            return new Refusal(401, challenge, body.toJSONString(), reason);
        }
        return bearerRefusal(e, metadata);
    }

    private static Refusal bearerRefusal(TokenVerificationException e, ProtectedResourceMetadata metadata) {
        Reason reason = e.reason();
        BearerTokenError error;
        int status;
        switch (reason) {
            case MISSING_TOKEN -> {
                error = BearerTokenError.MISSING_TOKEN;
                status = 401;
            }
            case INSUFFICIENT_SCOPE -> {
                error = BearerTokenError.INSUFFICIENT_SCOPE.setScope(
                        new Scope(e.requiredScopes().values().toArray(String[]::new)));
                status = 403;
            }
            case JWKS_UNAVAILABLE -> {
                // Fail closed, but say it is the server's problem: a client should retry, not re-authorize.
                error = BearerTokenError.INVALID_TOKEN.setDescription("The token cannot be verified right now");
                status = 503;
            }
            default -> {
                error = BearerTokenError.INVALID_TOKEN.setDescription(describe(reason));
                status = 401;
            }
        }
        if (metadata != null && reason == Reason.MISSING_TOKEN && !metadata.scopesSupported().isEmpty()) {
            // MCP authorization: the scopes to ask for on the first authorization request.
            error = error.setScope(new Scope(metadata.scopesSupported().values().toArray(String[]::new)));
        }
        String challenge = error.toWWWAuthenticateHeader();
        if (metadata != null) {
            // RFC 9728 §5.1: tell the client where the protected resource metadata is.
            String param = "resource_metadata=\"" + metadata.metadataUri() + "\"";
            challenge = challenge.trim().equals("Bearer") ? "Bearer " + param : challenge + ", " + param;
        }
        JSONObject body = new JSONObject();
        if (error.getCode() != null) {
            body.put("error", error.getCode());
        }
        if (error.getDescription() != null) {
            body.put("error_description", error.getDescription());
        }
        if (reason == Reason.MISSING_TOKEN) {
            // RFC 9449 §7.1: DPoP is accepted too; say so, with the algorithms.
            challenge = challenge + ", " + com.nimbusds.oauth2.sdk.token.DPoPTokenError.MISSING_TOKEN
                    .setJWSAlgorithms(DpopProofCheck.ALGORITHMS).toWWWAuthenticateHeader();
        }
        return new Refusal(status, challenge, body.toJSONString(), reason);
    }

    /** Fixed texts only: a description must never carry the token or attacker-chosen claim values. */
    private static String describe(Reason reason) {
        return switch (reason) {
            case MALFORMED -> "The token is malformed";
            case ALGORITHM_NOT_ALLOWED -> "The token's algorithm is not allowed";
            case UNKNOWN_KEY -> "The token is signed with an unknown key";
            case BAD_SIGNATURE -> "The token's signature is invalid";
            case WRONG_ISSUER -> "The token's issuer is not trusted";
            case WRONG_AUDIENCE -> "The token is for another audience";
            case EXPIRED -> "The token expired";
            case NOT_YET_VALID -> "The token is not valid yet";
            case MISSING_CLAIM -> "The token lacks a required claim";
            default -> "The token is invalid";
        };
    }
}
