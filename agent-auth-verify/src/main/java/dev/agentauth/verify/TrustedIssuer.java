package dev.agentauth.verify;

import com.nimbusds.jose.JWSAlgorithm;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * An issuer whose tokens a {@link TokenVerifier} accepts, and the JWS algorithms it may use.
 *
 * <p>Keys come from the issuer's JWKS: {@code jwks_uri} from its discovery document (OpenID Connect Discovery, then
 * RFC 8414), unless {@link #withJwksUri(String)} names it. Only asymmetric algorithms can be allowed: {@code none} and
 * HMAC ({@code HS256}…) are refused, so a token "signed" with a public key as an HMAC secret never verifies (RFC 8725
 * §2.1, §3.1). Immutable and thread-safe.
 *
 * @param issuer     the exact {@code iss} value (compared as a string, RFC 7519 §4.1.1)
 * @param jwksUri    the JWKS URL, or {@code null} to discover it
 * @param algorithms the allowed {@code alg} values
 */
public record TrustedIssuer(String issuer, URI jwksUri, Set<String> algorithms) {

    /** The default allow-list: what identity providers sign access tokens with. */
    public static final Set<String> DEFAULT_ALGORITHMS = Set.of("RS256", "ES256");

    public TrustedIssuer {
        Objects.requireNonNull(issuer, "issuer");
        if (issuer.isBlank()) {
            throw new IllegalArgumentException("issuer must not be blank");
        }
        URI.create(issuer);
        Objects.requireNonNull(algorithms, "algorithms");
        if (algorithms.isEmpty()) {
            throw new IllegalArgumentException("issuer " + issuer + ": allow at least one algorithm");
        }
        for (String alg : algorithms) {
            JWSAlgorithm a = JWSAlgorithm.parse(Objects.requireNonNull(alg, "algorithm"));
            if (!JWSAlgorithm.Family.SIGNATURE.contains(a)) {
                throw new IllegalArgumentException("issuer " + issuer + ": algorithm '" + alg + "' cannot be allowed;"
                        + " only asymmetric signatures (RS*, PS*, ES*, EdDSA) verify against a JWKS (RFC 8725 §3.1)");
            }
        }
        algorithms = Set.copyOf(new LinkedHashSet<>(algorithms));
    }

    /** An issuer, JWKS discovered, {@link #DEFAULT_ALGORITHMS}. */
    public static TrustedIssuer of(String issuer) {
        return new TrustedIssuer(issuer, null, DEFAULT_ALGORITHMS);
    }

    /** The same issuer with another allow-list. */
    public TrustedIssuer withAlgorithms(String... algorithms) {
        return new TrustedIssuer(issuer, jwksUri, Set.of(algorithms));
    }

    /** The same issuer with an explicit JWKS URL (no discovery). */
    public TrustedIssuer withJwksUri(String jwksUri) {
        return new TrustedIssuer(issuer, URI.create(jwksUri), algorithms);
    }
}
