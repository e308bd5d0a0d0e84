package dev.agentauth.core.internal;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.ServiceAccountKey;
import java.time.Instant;
import java.util.Date;

/**
 * Self-signed JWT access tokens (Google's "service account authorization without OAuth"): {@code iss} = {@code sub} =
 * the client e-mail, {@code aud} = the API, {@code kid} = private key id, one hour, signed locally. No network call.
 * Stateless and thread-safe.
 */
final class SelfSignedJwtIssuer {

    /** A token for {@code audience}, carrying {@code scopes} as a {@code scope} claim when there are any. */
    IssuedTokens issue(Provider provider, String audience, Scopes scopes, Instant now) {
        ServiceAccountKey key = provider.serviceAccountKey().orElseThrow();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(key.clientEmail())
                .subject(key.clientEmail())
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(JwtBearerGrantFlow.ASSERTION_LIFETIME)));
        if (!scopes.isEmpty()) {
            claims.claim("scope", scopes.join(" "));
        }
        String jwt = JwtBearerGrantFlow.sign(provider, claims.build()).serialize();
        return new IssuedTokens(jwt, "Bearer", null, JwtBearerGrantFlow.ASSERTION_LIFETIME.toSeconds(),
                scopes.isEmpty() ? null : scopes);
    }
}
