package dev.agentauth.verify;

import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import dev.agentauth.core.Scopes;
import dev.agentauth.verify.internal.AuthorizationDetailsMatch;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A bearer token that passed every check of a {@link TokenVerifier}: its signature, issuer, audience, lifetime and
 * scopes. Holds claims, not the token itself. Immutable and thread-safe; {@link #toString()} omits the claims map.
 *
 * @param subject   {@code sub}, or {@code null} when the token has none
 * @param issuer    {@code iss}, exactly one of the trusted issuers
 * @param audience  {@code aud}
 * @param scopes    from {@code scope} (space-separated, RFC 8693 §4.2) or {@code scp}
 * @param clientId  {@code client_id} (RFC 9068) or {@code azp}, or {@code null}
 * @param expiresAt {@code exp}
 * @param issuedAt  {@code iat}, or {@code null}
 * @param claims    every claim, as parsed by Nimbus
 */
public record VerifiedToken(String subject, String issuer, List<String> audience, Scopes scopes, String clientId,
                            Instant expiresAt, Instant issuedAt, Map<String, Object> claims) {

    /** The request attribute under which the filters put the verified token. */
    public static final String ATTRIBUTE = VerifiedToken.class.getName();

    public VerifiedToken {
        Objects.requireNonNull(issuer, "issuer");
        audience = List.copyOf(audience);
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(expiresAt, "expiresAt");
        claims = Map.copyOf(claims);
    }

    /**
     * The RFC 9396 {@code authorization_details} the token grants (§9.1) — the actions its user approved, e.g. through
     * an agent's OpenID CIBA approval. Empty when the token carries none, or the claim is not an array of details
     * (then it grants none). Parsed on each call; no I/O.
     *
     * @since 0.3.0
     */
    public List<AuthorizationDetail> authorizationDetails() {
        return AuthorizationDetailsMatch.of(claims);
    }

    /**
     * Whether the token's {@link #authorizationDetails()} cover every one of {@code required}: for each, a granted
     * detail of the same {@code type} with an equal value for every member {@code required} names (a list there must
     * be contained in the granted list, an object covered member by member). A token without details covers nothing
     * but an empty requirement. The strict reading: an API whose detail type defines a looser rule (an amount up to a
     * limit) checks {@link #authorizationDetails()} itself.
     *
     * @since 0.3.0
     */
    public boolean covers(List<AuthorizationDetail> required) {
        return AuthorizationDetailsMatch.covers(authorizationDetails(), required);
    }

    /** One claim, if present. */
    public Optional<Object> claim(String name) {
        return Optional.ofNullable(claims.get(name));
    }

    @Override
    public String toString() {
        return "VerifiedToken[subject=" + subject + ", issuer=" + issuer + ", audience=" + audience + ", scopes="
                + scopes + ", clientId=" + clientId + ", expiresAt=" + expiresAt + "]";
    }
}
