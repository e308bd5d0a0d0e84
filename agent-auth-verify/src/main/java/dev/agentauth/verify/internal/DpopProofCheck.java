package dev.agentauth.verify.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.AccessTokenValidationException;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProtectedResourceRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InMemoryDPoPSingleUseChecker;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPProofException;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import dev.agentauth.verify.TokenVerificationException;
import dev.agentauth.verify.TokenVerificationException.Reason;
import dev.agentauth.verify.VerifiedToken;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The DPoP proof checks of a resource server (RFC 9449 §4.3, §7), by Nimbus's
 * {@link DPoPProtectedResourceRequestVerifier}: signature by the proof's own {@code jwk}, {@code typ}, {@code alg}
 * (asymmetric only), {@code htm}, {@code htu}, {@code iat} within {@value #MAX_AGE_SECONDS} s (plus the clock skew),
 * {@code jti} single use (remembered for the proof's lifetime), {@code ath} and {@code cnf.jkt}. Thread-safe.
 */
final class DpopProofCheck {

    static final long MAX_AGE_SECONDS = 60;
    /** RFC 9449 §4.3: asymmetric algorithms only. */
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512,
            JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384,
            JWSAlgorithm.PS512);
    /** One replay scope for every client: {@code jti} values are random, so they never collide by chance. */
    private static final DPoPIssuer ANY_CLIENT = new DPoPIssuer("any");

    private final DPoPProtectedResourceRequestVerifier verifier;

    DpopProofCheck(Duration clockSkew) {
        long window = MAX_AGE_SECONDS + clockSkew.toSeconds();
        this.verifier = new DPoPProtectedResourceRequestVerifier(new java.util.HashSet<>(ALGORITHMS), Math.max(1, clockSkew.toSeconds()),
                MAX_AGE_SECONDS, new InMemoryDPoPSingleUseChecker(window, Math.max(window, 60)));
    }

    void check(VerifiedToken token, String accessToken, String proof, String method, URI uri) {
        Object cnf = token.claims().get("cnf");
        Object jkt = cnf instanceof Map<?, ?> m ? m.get("jkt") : null;
        if (!(jkt instanceof String thumbprint) || thumbprint.isBlank()) {
            throw new TokenVerificationException(Reason.INVALID_DPOP_PROOF, "the token is not DPoP-bound (no cnf.jkt)");
        }
        if (proof == null || proof.isBlank()) {
            throw new TokenVerificationException(Reason.INVALID_DPOP_PROOF, "no DPoP proof header");
        }
        if (proof.length() > 8192) {
            throw new TokenVerificationException(Reason.INVALID_DPOP_PROOF, "the DPoP proof is too large");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(proof);
        } catch (java.text.ParseException e) {
            throw new TokenVerificationException(Reason.INVALID_DPOP_PROOF, "the DPoP proof is not a signed JWT");
        }
        // This server issues no nonces of its own (RFC 9449 §9 is optional); a nonce in the proof is that of whoever
        // demanded it (a gateway, a filter in front), so it is taken as given rather than refused as unexpected.
        com.nimbusds.openid.connect.sdk.Nonce nonce = null;
        try {
            String n = jwt.getJWTClaimsSet().getStringClaim("nonce");
            nonce = n == null ? null : new com.nimbusds.openid.connect.sdk.Nonce(n);
        } catch (java.text.ParseException e) {
            throw new TokenVerificationException(Reason.INVALID_DPOP_PROOF, "the DPoP proof's claims are malformed");
        }
        try {
            verifier.verify(method, htu(uri), ANY_CLIENT, jwt, new DPoPAccessToken(accessToken),
                    new JWKThumbprintConfirmation(new Base64URL(thumbprint)), nonce);
        } catch (InvalidDPoPProofException e) {
            // Nimbus names the failed check (htm, htu, iat, jti, signature…), never a token or key value.
            throw new TokenVerificationException(Reason.INVALID_DPOP_PROOF, "DPoP proof refused: " + firstLine(e));
        } catch (AccessTokenValidationException e) {
            throw new TokenVerificationException(Reason.INVALID_DPOP_PROOF,
                    "the DPoP proof is not for this token or not of its key (ath / cnf.jkt)");
        } catch (JOSEException e) {
            throw new TokenVerificationException(Reason.INVALID_DPOP_PROOF, "the DPoP proof cannot be verified");
        }
    }

    private static URI htu(URI uri) {
        try {
            return new URI(uri.getScheme(), uri.getAuthority(), uri.getPath(), null, null);
        } catch (URISyntaxException e) {
            return uri;
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        m = nl >= 0 ? m.substring(0, nl) : m;
        return m.length() > 160 ? m.substring(0, 160) : m;
    }
}
