package dev.agentauth.core.internal;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import dev.agentauth.core.ConnectedAccount;
import java.net.URI;
import java.text.ParseException;

/**
 * The account an OpenID Connect ID token names. The token came straight from the provider's token endpoint in the
 * code redemption, so its signature is not checked (OpenID Connect Core §3.1.3.7: TLS from the token endpoint may
 * stand in for it); {@code iss} and {@code aud} are, so a token minted for another client or by another issuer is never
 * taken for this user's account. Stateless.
 */
final class IdTokenClaims {

    /** The ID token is unusable: its claims are malformed, or name another issuer or client. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String why) {
            super(why, null, false, false);
        }
    }

    private IdTokenClaims() {
    }

    /** The account, or {@code null} without an ID token. */
    static ConnectedAccount account(String idToken, URI issuer, String clientId) throws Refused {
        if (idToken == null) {
            return null;
        }
        JWTClaimsSet claims;
        try {
            claims = JWTParser.parse(idToken).getJWTClaimsSet();
        } catch (ParseException e) {
            throw new Refused("the id_token is not a JWT");
        }
        if (issuer != null && !issuer.toString().equals(claims.getIssuer())) {
            throw new Refused("the id_token names another issuer");
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(clientId)) {
            throw new Refused("the id_token is for another client");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new Refused("the id_token has no sub");
        }
        return new ConnectedAccount(subject, string(claims, "email"), string(claims, "preferred_username"));
    }

    private static String string(JWTClaimsSet claims, String name) {
        Object v = claims.getClaim(name);
        return v instanceof String s && !s.isBlank() ? s : null;
    }
}
