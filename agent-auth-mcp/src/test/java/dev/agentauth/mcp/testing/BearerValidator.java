package dev.agentauth.mcp.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.URL;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What an MCP server does with a bearer token: verifies the JWT's signature with the issuer's JWKS (Nimbus), its
 * issuer and expiry, and reads subject and scopes. mock-oauth2-server puts the requested scopes (minus
 * {@code openid}) in {@code aud}; {@code scope}/{@code scp} claims count too.
 */
public final class BearerValidator {

    /** A valid token's subject and scopes. */
    public record Caller(String subject, Set<String> scopes) {
    }

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public BearerValidator(String issuer) {
        try {
            JWKSource<SecurityContext> keys = JWKSourceBuilder.create(
                    new URL(issuer.replaceAll("/$", "") + "/jwks")).retrying(true).build();
            processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
            processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                    new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("sub", "exp")));
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The caller, or {@code null} when the token is invalid. */
    public Caller validate(String token) {
        try {
            JWTClaimsSet claims = processor.process(token, null);
            Set<String> scopes = new LinkedHashSet<>();
            if (claims.getAudience() != null) {
                scopes.addAll(claims.getAudience());
            }
            Object scope = claims.getClaim("scope");
            if (scope instanceof String s) {
                scopes.addAll(List.of(s.split(" ")));
            }
            Object scp = claims.getClaim("scp");
            if (scp instanceof List<?> l) {
                l.forEach(o -> scopes.add(String.valueOf(o)));
            }
            return new Caller(claims.getSubject(), scopes);
        } catch (Exception e) {
            return null;
        }
    }
}
