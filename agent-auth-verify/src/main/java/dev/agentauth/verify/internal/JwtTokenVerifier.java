package dev.agentauth.verify.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.JWTClaimsSetVerifier;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.id.Issuer;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.http.HttpTransport;
import dev.agentauth.verify.TokenVerificationException;
import dev.agentauth.verify.TokenVerificationException.Reason;
import dev.agentauth.verify.TokenVerifier;
import dev.agentauth.verify.TrustedIssuer;
import dev.agentauth.verify.VerifiedToken;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TokenVerifier}: Nimbus {@link DefaultJWTProcessor} per trusted issuer, keys from a
 * {@link JWKSourceBuilder} source (cached, rate-limited re-fetch on an unknown {@code kid}, no retries, no outage
 * tolerance: fail closed). The claim rules are this class's own so each failure has its {@link Reason}. Never logs or
 * reports a token or a claim value.
 */
public final class JwtTokenVerifier implements TokenVerifier {

    private static final Logger log = LoggerFactory.getLogger(JwtTokenVerifier.class);

    /** Tokens larger than this are refused unparsed; real access tokens are a few KB. */
    private static final int MAX_TOKEN_CHARS = 16 * 1024;

    /** RFC 9068 §2.1: access tokens are typed {@code at+jwt}; many issuers still send {@code JWT} or nothing. */
    private static final DefaultJOSEObjectTypeVerifier<SecurityContext> TYPES = new DefaultJOSEObjectTypeVerifier<>(
            JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"), null);

    /** Everything the public builder checked. */
    public record Settings(List<TrustedIssuer> issuers, String audience, Scopes requiredScopes, Clock clock,
                           Duration clockSkew, Duration jwksCacheTtl, Duration jwksRefetchInterval,
                           HttpTransport http) {
    }

    private final Settings settings;
    private final Map<String, IssuerVerifier> byIssuer;

    public JwtTokenVerifier(Settings settings) {
        this.settings = settings;
        Map<String, IssuerVerifier> map = new LinkedHashMap<>();
        for (TrustedIssuer issuer : settings.issuers()) {
            map.put(issuer.issuer(), new IssuerVerifier(issuer));
        }
        this.byIssuer = Map.copyOf(map);
        this.dpop = new DpopProofCheck(settings.clockSkew());
    }

    private final DpopProofCheck dpop;

    @Override
    public String audience() {
        return settings.audience();
    }

    @Override
    public VerifiedToken verifyDpop(String token, String proof, java.lang.String method, java.net.URI uri) {
        VerifiedToken verified = verify(token);
        dpop.check(verified, token, proof, method, uri);
        return verified;
    }

    @Override
    public VerifiedToken verify(String token) {
        if (token == null || token.isBlank()) {
            throw new TokenVerificationException(Reason.MISSING_TOKEN, "no bearer token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw refuse(Reason.MALFORMED, "the token is larger than " + MAX_TOKEN_CHARS + " characters");
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token.trim());
        } catch (java.text.ParseException e) {
            throw refuse(Reason.MALFORMED, "the token is not a JWT");
        }
        if (jwt instanceof PlainJWT) {
            throw refuse(Reason.ALGORITHM_NOT_ALLOWED, "unsecured JWT (alg none) refused");
        }
        if (jwt instanceof EncryptedJWT || !(jwt instanceof SignedJWT signed)) {
            throw refuse(Reason.MALFORMED, "encrypted JWTs are not accepted; expected a signed JWT (JWS)");
        }
        // The unverified iss only picks which issuer's keys and rules apply; the claims are checked after the signature.
        String iss;
        try {
            iss = signed.getJWTClaimsSet().getIssuer();
        } catch (java.text.ParseException e) {
            throw refuse(Reason.MALFORMED, "the token's claims are not a JSON object");
        }
        IssuerVerifier verifier = iss == null ? null : byIssuer.get(iss);
        if (verifier == null) {
            throw refuse(Reason.WRONG_ISSUER, "the token's issuer is not trusted; trusted: " + byIssuer.keySet());
        }
        JWSAlgorithm alg = signed.getHeader().getAlgorithm();
        if (!verifier.issuer.algorithms().contains(alg.getName())) {
            throw refuse(Reason.ALGORITHM_NOT_ALLOWED, "algorithm " + safe(alg.getName()) + " is not allowed for issuer "
                    + iss + "; allowed: " + verifier.issuer.algorithms());
        }
        return verifier.verify(signed);
    }

    private static TokenVerificationException refuse(Reason reason, String why) {
        log.debug("bearer token refused: {} ({})", reason, why);
        return new TokenVerificationException(reason, "bearer token refused: " + why);
    }

    /** Header values are attacker-controlled: keep only short, plain names in messages. */
    private static String safe(String value) {
        return value != null && value.matches("[A-Za-z0-9+_.-]{1,32}") ? value : "(unprintable)";
    }

    @Override
    public String toString() {
        return "TokenVerifier[issuers=" + byIssuer.keySet() + ", audience=" + settings.audience() + ", requiredScopes="
                + settings.requiredScopes() + "]";
    }

    // --------------------------------------------------------------------------------------------- one issuer

    /** Keys and rules of one trusted issuer. The JWKS source is made on first use, after discovery. */
    private final class IssuerVerifier {
        private final TrustedIssuer issuer;
        private volatile DefaultJWTProcessor<SecurityContext> processor;
        private volatile long discoveryFailedAtNanos;
        private volatile boolean discoveryFailed;

        IssuerVerifier(TrustedIssuer issuer) {
            this.issuer = issuer;
        }

        VerifiedToken verify(SignedJWT jwt) {
            DefaultJWTProcessor<SecurityContext> p = processor();
            JWTClaimsSet claims;
            try {
                claims = p.process(jwt, null);
            } catch (Rejected r) {
                throw refuse(r.reason, r.getMessage(), r.required);
            } catch (UnknownKey | RateLimitReachedException e) {
                throw refuse(Reason.UNKNOWN_KEY, "no key of issuer " + issuer.issuer() + " matches the token's kid and"
                        + " algorithm, even after re-fetching its JWKS", null);
            } catch (KeySourceException e) {
                throw refuse(Reason.JWKS_UNAVAILABLE, "the JWKS of issuer " + issuer.issuer() + " cannot be fetched ("
                        + e.getClass().getSimpleName() + "); refused until it can", null);
            } catch (BadJOSEException | JOSEException e) {
                throw refuse(Reason.BAD_SIGNATURE, "the signature does not verify with the key of issuer "
                        + issuer.issuer(), null);
            }
            return toVerified(claims);
        }

        private TokenVerificationException refuse(Reason reason, String why, Scopes required) {
            log.debug("bearer token refused: {} ({})", reason, why);
            return new TokenVerificationException(reason, "bearer token refused: " + why, required, null);
        }

        private DefaultJWTProcessor<SecurityContext> processor() {
            DefaultJWTProcessor<SecurityContext> p = processor;
            if (p != null) {
                return p;
            }
            synchronized (this) {
                if (processor != null) {
                    return processor;
                }
                // A failed discovery is not retried for one re-fetch interval: a dead issuer must not be hammered.
                if (discoveryFailed && System.nanoTime() - discoveryFailedAtNanos
                        < settings.jwksRefetchInterval().toNanos()) {
                    throw refuse(Reason.JWKS_UNAVAILABLE, "the metadata of issuer " + issuer.issuer()
                            + " could not be fetched recently; refused until it can", null);
                }
                URI jwksUri = issuer.jwksUri() != null ? issuer.jwksUri() : discoverJwksUri();
                processor = newProcessor(jwksUri);
                return processor;
            }
        }

        private URI discoverJwksUri() {
            URI jwks = null;
            Exception failure = null;
            try {
                // The document's issuer must be exactly ours (OpenID Connect Discovery §4.3, RFC 8414 §3.3).
                jwks = IssuerMetadata.jwksUri(settings.http(), new Issuer(issuer.issuer()));
            } catch (GeneralException | IOException e) {
                failure = e;
            }
            if (jwks == null) {
                discoveryFailed = true;
                discoveryFailedAtNanos = System.nanoTime();
                throw refuse(Reason.JWKS_UNAVAILABLE, "no jwks_uri from the metadata of issuer " + issuer.issuer() + " ("
                        + (failure == null ? "none advertised" : failure.getClass().getSimpleName())
                        + "); refused until it can be fetched", null);
            }
            return jwks;
        }

        private DefaultJWTProcessor<SecurityContext> newProcessor(URI jwksUri) {
            JWKSource<SecurityContext> keys;
            try {
                keys = JWKSourceBuilder.<SecurityContext>create(jwksUri.toURL(), settings.http())
                        .cache(settings.jwksCacheTtl().toMillis(), settings.http().readTimeout().toMillis())
                        .refreshAheadCache(false)   // no background threads
                        .rateLimited(settings.jwksRefetchInterval().toMillis())
                        .retrying(false)
                        .outageTolerant(false)      // an unreachable JWKS refuses tokens: fail closed
                        .build();
            } catch (MalformedURLException | IllegalArgumentException e) {
                throw refuse(Reason.JWKS_UNAVAILABLE, "the jwks_uri of issuer " + issuer.issuer() + " is not a URL",
                        null);
            }
            Set<JWSAlgorithm> algs = issuer.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
            JWSVerificationKeySelector<SecurityContext> selector = new JWSVerificationKeySelector<>(algs, keys);
            DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
            p.setJWSTypeVerifier((type, context) -> {
                try {
                    TYPES.verify(type, context);
                } catch (BadJOSEException e) {
                    throw new Rejected(Reason.MALFORMED, "the token's typ header is not JWT or at+jwt", null);
                }
            });
            p.setJWSKeySelector(new KnownKeys(selector));
            p.setJWTClaimsSetVerifier(new ClaimRules(issuer.issuer()));
            return p;
        }
    }

    /** Turns "no matching key" (after the JWK source's one re-fetch) into its own failure. */
    private record KnownKeys(JWSKeySelector<SecurityContext> delegate) implements JWSKeySelector<SecurityContext> {
        @Override
        public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
            List<? extends Key> keys = delegate.selectJWSKeys(header, context);
            if (keys.isEmpty()) {
                throw new UnknownKey();
            }
            return keys;
        }
    }

    private static final class UnknownKey extends KeySourceException {
        private static final long serialVersionUID = 1L;

        UnknownKey() {
            super("no matching key");
        }
    }

    private static final class Rejected extends BadJWTException {
        private static final long serialVersionUID = 1L;
        private final transient Reason reason;
        private final transient Scopes required;

        Rejected(Reason reason, String message, Scopes required) {
            super(message);
            this.reason = reason;
            this.required = required;
        }
    }

    /** The claim checks, run by Nimbus after the signature verified. Time from the injected clock. */
    private final class ClaimRules implements JWTClaimsSetVerifier<SecurityContext> {
        private final String issuer;

        ClaimRules(String issuer) {
            this.issuer = issuer;
        }

        @Override
        public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
            if (!issuer.equals(claims.getIssuer())) {
                throw new Rejected(Reason.WRONG_ISSUER, "the token's issuer is not " + issuer, null);
            }
            List<String> aud = claims.getAudience();
            if (aud == null || !aud.contains(settings.audience())) {
                throw new Rejected(Reason.WRONG_AUDIENCE, "the token's audience does not contain '"
                        + settings.audience() + "'; ask the issuer for a token for this service", null);
            }
            long now = settings.clock().millis();
            long skew = settings.clockSkew().toMillis();
            Date exp = claims.getExpirationTime();
            if (exp == null) {
                throw new Rejected(Reason.MISSING_CLAIM, "the token has no exp claim", null);
            }
            if (now - skew >= exp.getTime()) {
                throw new Rejected(Reason.EXPIRED, "the token expired at " + exp.toInstant()
                        + "; obtain a new one", null);
            }
            Date nbf = claims.getNotBeforeTime();
            if (nbf != null && now + skew < nbf.getTime()) {
                throw new Rejected(Reason.NOT_YET_VALID, "the token is not valid before " + nbf.toInstant()
                        + "; check the clocks of issuer and server", null);
            }
            Date iat = claims.getIssueTime();
            if (iat != null && now + skew < iat.getTime()) {
                throw new Rejected(Reason.NOT_YET_VALID, "the token was issued in the future (" + iat.toInstant()
                        + "); check the clocks of issuer and server", null);
            }
            Scopes required = settings.requiredScopes();
            Scopes granted = scopesOf(claims);
            if (!granted.containsAll(required)) {
                throw new Rejected(Reason.INSUFFICIENT_SCOPE, "the token lacks required scopes [" + required + "]",
                        required);
            }
        }
    }

    private static Scopes scopesOf(JWTClaimsSet claims) throws BadJWTException {
        try {
            Object scope = claims.getClaim("scope");
            if (scope instanceof String s) {
                return Scopes.parse(s);
            }
            Object scp = claims.getClaim("scp");
            if (scp instanceof String s) {
                return Scopes.parse(s);
            }
            if (scp instanceof List<?> list) {
                List<String> values = new ArrayList<>();
                for (Object o : list) {
                    values.add(String.valueOf(o));
                }
                return Scopes.of(values);
            }
            return Scopes.NONE;
        } catch (IllegalArgumentException e) {
            throw new Rejected(Reason.MALFORMED, "the token's scope claim is not a list of scope tokens", null);
        }
    }

    private static VerifiedToken toVerified(JWTClaimsSet claims) {
        Scopes scopes;
        try {
            scopes = scopesOf(claims);
        } catch (BadJWTException e) {
            throw new IllegalStateException("unreachable: the claim rules parsed the scopes already", e);
        }
        Object clientId = claims.getClaim("client_id") != null ? claims.getClaim("client_id") : claims.getClaim("azp");
        Map<String, Object> all = new LinkedHashMap<>();
        claims.getClaims().forEach((k, v) -> {
            if (v != null) {
                all.put(k, v);
            }
        });
        return new VerifiedToken(claims.getSubject(), claims.getIssuer(), claims.getAudience(), scopes,
                clientId instanceof String s ? s : null, claims.getExpirationTime().toInstant(),
                claims.getIssueTime() != null ? claims.getIssueTime().toInstant() : null, all);
    }

}
