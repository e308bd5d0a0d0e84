package dev.agentauth.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.core.testing.TestIssuer;
import dev.agentauth.core.testing.TestKeys;
import dev.agentauth.verify.TokenVerificationException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The verifier against a real JWKS endpoint on loopback: good tokens, and each negative vector rejected with its own
 * reason.
 */
class TokenVerifierTest {

    static final String AUDIENCE = "weather-mcp";
    static TestIssuer issuer;
    final MutableClock clock = MutableClock.now();

    @BeforeAll
    static void start() {
        issuer = TestIssuer.start();
    }

    @AfterAll
    static void stop() {
        issuer.close();
    }

    TokenVerifierBuilder builder() {
        // A long re-fetch interval keeps the rate-limit assertions independent of how slow the machine is.
        return TokenVerifier.builder().issuer(issuer.issuer()).audience(AUDIENCE).clock(clock)
                .jwksRefetchInterval(Duration.ofMinutes(10)).jwksCacheTtl(Duration.ofMinutes(30));
    }

    JWTClaimsSet.Builder claims() {
        return issuer.claims(AUDIENCE, clock.instant()).claim("scope", "weather.read weather.write");
    }

    static Reason reasonOf(TokenVerifier verifier, String token) {
        TokenVerificationException e = catchThrowableOfType(TokenVerificationException.class,
                () -> verifier.verify(token));
        assertThat(e).as("refused").isNotNull();
        if (token.length() > 8) {
            assertThat(e.getMessage()).doesNotContain(token);
        }
        return e.reason();
    }

    @Test
    void verifyWhenRs256TokenFromTrustedIssuerThenClaims() {
        TokenVerifier verifier = builder().requiredScopes("weather.read").build();

        VerifiedToken t = verifier.verify(TestIssuer.sign(issuer.rsa, claims().build()));

        assertThat(t.subject()).isEqualTo("alice");
        assertThat(t.issuer()).isEqualTo(issuer.issuer());
        assertThat(t.audience()).containsExactly(AUDIENCE);
        assertThat(t.scopes()).isEqualTo(Scopes.of("weather.read", "weather.write"));
        assertThat(t.clientId()).isEqualTo("agent");
        assertThat(t.toString()).doesNotContain("client_id=");
    }

    @Test
    void verifyWhenEs256TokenAndScpListThenClaims() {
        TokenVerifier verifier = builder().requiredScopes("weather.read").build();
        JWTClaimsSet c = issuer.claims(AUDIENCE, clock.instant()).claim("scp", List.of("weather.read")).build();

        assertThat(verifier.verify(TestIssuer.sign(issuer.ec, c)).scopes()).isEqualTo(Scopes.of("weather.read"));
    }

    @Test
    void verifyWhenAlgNoneThenAlgorithmNotAllowed() {
        String unsigned = new PlainJWT(claims().build()).serialize();

        assertThat(reasonOf(builder().build(), unsigned)).isEqualTo(Reason.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void verifyWhenHs256SignedWithTheRsaPublicKeyThenAlgorithmNotAllowed() throws Exception {
        // The classic key-confusion attack: the public key, which anyone has, used as an HMAC secret.
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(),
                claims().build());
        forged.sign(new MACSigner(issuer.rsa.toPublicJWK().toRSAPublicKey().getEncoded()));

        assertThat(reasonOf(builder().build(), forged.serialize())).isEqualTo(Reason.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void verifyWhenAllZeroEcdsaSignatureThenBadSignature() throws Exception {
        // CVE-2022-21449 ("psychic signatures"): r = s = 0 must never verify.
        String valid = TestIssuer.sign(issuer.ec, claims().build());
        String[] parts = valid.split("\\.");
        String zero = parts[0] + "." + parts[1] + "." + Base64URL.encode(new byte[64]);

        assertThat(reasonOf(builder().build(), zero)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void verifyWhenPayloadTamperedThenBadSignature() {
        String valid = TestIssuer.sign(issuer.rsa, claims().build());
        String other = TestIssuer.sign(issuer.rsa, claims().subject("mallory").build());
        String[] a = valid.split("\\.");
        String[] b = other.split("\\.");

        assertThat(reasonOf(builder().build(), a[0] + "." + b[1] + "." + a[2])).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void verifyWhenUntrustedIssuerThenWrongIssuer() {
        String token = TestIssuer.sign(issuer.rsa, claims().issuer(issuer.issuer() + "/").build());

        TokenVerificationException e = catchThrowableOfType(TokenVerificationException.class,
                () -> builder().build().verify(token));
        assertThat(e.reason()).isEqualTo(Reason.WRONG_ISSUER);
        assertThat(e.oauthError()).isEqualTo("invalid_token");
        assertThat(e.getMessage()).contains("trusted: [" + issuer.issuer() + "]");
    }

    @Test
    void verifyWhenOtherAudienceThenWrongAudience() {
        String token = TestIssuer.sign(issuer.rsa, claims().audience(List.of("billing-api", "other")).build());

        TokenVerificationException e = catchThrowableOfType(TokenVerificationException.class,
                () -> builder().build().verify(token));
        assertThat(e.reason()).isEqualTo(Reason.WRONG_AUDIENCE);
        assertThat(e.getMessage()).contains("'weather-mcp'");
    }

    @Test
    void verifyWhenExpiredBeyondSkewThenExpiredButWithinSkewAccepted() {
        TokenVerifier verifier = builder().clockSkew(Duration.ofSeconds(30)).build();
        String token = TestIssuer.sign(issuer.rsa, claims().build());

        clock.advance(Duration.ofSeconds(600 + 20));
        assertThat(verifier.verify(token).subject()).isEqualTo("alice");
        clock.advance(Duration.ofSeconds(20));
        assertThat(reasonOf(verifier, token)).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void verifyWhenNotBeforeOrIssuedInTheFutureThenNotYetValid() {
        Instant later = clock.instant().plus(Duration.ofMinutes(5));
        String nbf = TestIssuer.sign(issuer.rsa, claims().notBeforeTime(Date.from(later)).build());
        String iat = TestIssuer.sign(issuer.rsa, claims().notBeforeTime(null).issueTime(Date.from(later)).build());
        TokenVerifier verifier = builder().build();

        assertThat(reasonOf(verifier, nbf)).isEqualTo(Reason.NOT_YET_VALID);
        assertThat(reasonOf(verifier, iat)).isEqualTo(Reason.NOT_YET_VALID);
    }

    @Test
    void verifyWhenNoExpThenMissingClaim() {
        assertThat(reasonOf(builder().build(), TestIssuer.sign(issuer.rsa, claims().expirationTime(null).build())))
                .isEqualTo(Reason.MISSING_CLAIM);
    }

    @Test
    void verifyWhenScopeMissingThenInsufficientScopeNamingIt() {
        TokenVerifier verifier = builder().requiredScopes("weather.admin").build();

        TokenVerificationException e = catchThrowableOfType(TokenVerificationException.class,
                () -> verifier.verify(TestIssuer.sign(issuer.rsa, claims().build())));
        assertThat(e.reason()).isEqualTo(Reason.INSUFFICIENT_SCOPE);
        assertThat(e.oauthError()).isEqualTo("insufficient_scope");
        assertThat(e.requiredScopes()).isEqualTo(Scopes.of("weather.admin"));
    }

    @Test
    void verifyWhenGarbageOrEmptyThenMalformedOrMissing() {
        TokenVerifier verifier = builder().build();

        assertThat(reasonOf(verifier, "not-a-jwt")).isEqualTo(Reason.MALFORMED);
        assertThat(reasonOf(verifier, " ")).isEqualTo(Reason.MISSING_TOKEN);
        assertThat(reasonOf(verifier, TestIssuer.sign(issuer.rsa, claims().build(),
                h -> h.type(new JOSEObjectType("secevent+jwt"))))).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void verifyWhenUnknownKidThenOneRefetchThenRejectedAndFurtherRefetchesRateLimited() {
        TokenVerifier verifier = builder().build();
        verifier.verify(TestIssuer.sign(issuer.rsa, claims().build()));
        int before = issuer.jwksFetches();
        ECKey stranger = TestKeys.ec("not-published");

        assertThat(reasonOf(verifier, TestIssuer.sign(stranger, claims().build()))).isEqualTo(Reason.UNKNOWN_KEY);
        assertThat(issuer.jwksFetches() - before).as("one re-fetch for the unknown kid").isEqualTo(1);

        for (int i = 0; i < 5; i++) {
            assertThat(reasonOf(verifier, TestIssuer.sign(TestKeys.ec("made-up-" + i), claims().build())))
                    .isEqualTo(Reason.UNKNOWN_KEY);
        }
        assertThat(issuer.jwksFetches() - before).as("further re-fetches are rate-limited").isEqualTo(1);
        assertThat(verifier.verify(TestIssuer.sign(issuer.ec, claims().build())).subject())
                .as("known keys still verify from the cache").isEqualTo("alice");
    }

    @Test
    void verifyWhenIssuerRotatesKeysThenNewKidFoundByOneRefetch() {
        try (TestIssuer rotating = TestIssuer.start()) {
            TokenVerifier verifier = TokenVerifier.builder().issuer(rotating.issuer()).audience(AUDIENCE).clock(clock)
                    .jwksRefetchInterval(Duration.ofMinutes(10)).jwksCacheTtl(Duration.ofMinutes(30)).build();
            verifier.verify(TestIssuer.sign(rotating.rsa, rotating.claims(AUDIENCE, clock.instant()).build()));
            var next = TestKeys.rsa("rsa-2");
            rotating.publish(next);

            assertThat(verifier.verify(TestIssuer.sign(next, rotating.claims(AUDIENCE, clock.instant()).build()))
                    .subject()).isEqualTo("alice");
            assertThat(rotating.jwksFetches()).isEqualTo(2);
        }
    }

    @Test
    void verifyWhenJwksEndpointDownThenRefusedFailClosed() {
        try (TestIssuer down = TestIssuer.start()) {
            down.jwksDown(true);
            TokenVerifier verifier = TokenVerifier.builder().issuer(down.issuer()).audience(AUDIENCE).clock(clock)
                    .build();
            String token = TestIssuer.sign(down.rsa, down.claims(AUDIENCE, clock.instant()).build());

            TokenVerificationException e = catchThrowableOfType(TokenVerificationException.class,
                    () -> verifier.verify(token));
            assertThat(e.reason()).isEqualTo(Reason.JWKS_UNAVAILABLE);
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("cannot be fetched").doesNotContain(token);
        }
    }

    @Test
    void verifyWhenIssuerUnreachableThenRefusedFailClosed() {
        String deadIssuer;
        try (TestIssuer gone = TestIssuer.start()) {
            deadIssuer = gone.issuer();
        }
        TokenVerifier verifier = TokenVerifier.builder().issuer(deadIssuer).audience(AUDIENCE)
                .connectTimeout(Duration.ofSeconds(5)).build();
        String token = TestIssuer.sign(issuer.rsa, issuer.claims(AUDIENCE, clock.instant()).issuer(deadIssuer).build());

        assertThat(reasonOf(verifier, token)).isEqualTo(Reason.JWKS_UNAVAILABLE);
        assertThat(reasonOf(verifier, token)).as("not retried at once").isEqualTo(Reason.JWKS_UNAVAILABLE);
    }

    @Test
    void verifyWhenTokenFromMockOAuth2ServerThenVerifiedThroughOidcDiscovery() {
        try (TestIdp idp = TestIdp.start()) {
            TokenVerifier verifier = TokenVerifier.builder().issuer(idp.issuer()).audience("weather-mcp").build();
            String token = idp.server().issueToken(TestIdp.ISSUER_ID, "agent", new DefaultOAuth2TokenCallback(
                    TestIdp.ISSUER_ID, "alice", "JWT", List.of("weather-mcp"), Map.of("scope", "weather.read"), 600))
                    .serialize();
            String other = idp.server().issueToken(TestIdp.ISSUER_ID, "agent", new DefaultOAuth2TokenCallback(
                    TestIdp.ISSUER_ID, "alice", "JWT", List.of("billing"), Map.of(), 600)).serialize();

            assertThat(verifier.verify(token).scopes()).isEqualTo(Scopes.of("weather.read"));
            assertThat(reasonOf(verifier, other)).isEqualTo(Reason.WRONG_AUDIENCE);
        }
    }

    @Test
    void buildWhenUnsafeSettingsThenRefused() {
        assertThatThrownBy(() -> TrustedIssuer.of("https://idp.example.com").withAlgorithms("HS256"))
                .hasMessageContaining("only asymmetric");
        assertThatThrownBy(() -> TrustedIssuer.of("https://idp.example.com").withAlgorithms("none"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenVerifier.builder().audience("10.0.0.7"))
                .hasMessageContaining("IP address");
        assertThatThrownBy(() -> TokenVerifier.builder().audience("https://[::1]:8443/mcp"))
                .hasMessageContaining("IP address");
        assertThatThrownBy(() -> TokenVerifier.builder().clockSkew(Duration.ofMinutes(30)))
                .hasMessageContaining("clockSkew");
        assertThatThrownBy(() -> TokenVerifier.builder().audience("svc").build())
                .hasMessageContaining("issuer");
        assertThat(TokenVerifier.builder().audience("https://mcp.example.com/mcp").issuer("https://i.example.com")
                .build().audience()).isEqualTo("https://mcp.example.com/mcp");
    }

    @Test
    void verifyWhenAlgorithmOffTheIssuersListThenRefusedEvenIfKeyIsPublished() {
        TokenVerifier rsaOnly = TokenVerifier.builder()
                .trust(TrustedIssuer.of(issuer.issuer()).withAlgorithms("RS256"))
                .audience(AUDIENCE).clock(clock).build();

        assertThat(reasonOf(rsaOnly, TestIssuer.sign(issuer.ec, claims().build())))
                .isEqualTo(Reason.ALGORITHM_NOT_ALLOWED);
    }
}
