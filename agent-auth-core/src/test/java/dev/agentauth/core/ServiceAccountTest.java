package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.core.testing.TestKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Google-style service accounts against mock-oauth2-server, whose token endpoint implements the JWT bearer grant: the
 * key file's {@code token_uri} points at it.
 */
class ServiceAccountTest {

    static final String EMAIL = "reporting@agent-auth-test.iam.gserviceaccount.com";
    static TestIdp idp;
    static FlakyGateway gateway;
    static RSAKey key;
    static String keyJson;
    final MutableClock clock = MutableClock.now();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        // Requests pass through to the IdP; for answers it cannot give (Google's), the gateway answers once itself.
        gateway = FlakyGateway.to(URI.create(idp.issuer()));
        key = TestKeys.rsa("0123456789abcdef0123456789abcdef01234567");
        keyJson = TestKeys.serviceAccountJson(key, EMAIL, tokenUri());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        idp.close();
    }

    static String tokenUri() {
        return gateway.url(URI.create(idp.tokenEndpoint()).getPath());
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    TokenBroker broker(MutableClock clock) {
        broker = TokenBroker.builder()
                .provider(Provider.serviceAccount("gcp", ServiceAccountKey.fromJson(keyJson)).build())
                .clock(clock).auditListener(events::add).build();
        idp.drainRequests();
        return broker;
    }

    static TokenRequest jwtBearer(String... scopes) {
        return TokenRequest.builder().provider("gcp").principal(Principal.agent("reporter")).flow(Flow.JWT_BEARER)
                .scopes(scopes).build();
    }

    static SignedJWT assertionOf(RecordedRequest request) throws Exception {
        return assertionOf(request.getBody().readUtf8());
    }

    static SignedJWT assertionOf(String body) throws Exception {
        Map<String, List<String>> form = URLUtils.parseParameters(body);
        assertThat(form.get("grant_type")).containsExactly("urn:ietf:params:oauth:grant-type:jwt-bearer");
        SignedJWT assertion = SignedJWT.parse(form.get("assertion").get(0));
        assertThat(assertion.verify(new RSASSAVerifier(key.toRSAPublicKey()))).as("signed by the key").isTrue();
        return assertion;
    }

    @Test
    void tokenWhenJwtBearerThenAssertionPerRfc7523AndTokenCachedUntilNearExpiry() throws Exception {
        broker(clock);
        TokenRequest request = jwtBearer("https://www.googleapis.com/auth/cloud-platform");

        AccessToken token = broker.tokenOrThrow(request);
        List<RecordedRequest> sent = idp.drainTokenRequestList();

        assertThat(sent).hasSize(1);
        SignedJWT assertion = assertionOf(sent.get(0));
        JWTClaimsSet c = assertion.getJWTClaimsSet();
        assertThat(assertion.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(assertion.getHeader().getKeyID()).isEqualTo(key.getKeyID());
        assertThat(c.getIssuer()).isEqualTo(EMAIL);
        assertThat(c.getAudience()).containsExactly(tokenUri());
        assertThat(c.getStringClaim("scope")).isEqualTo("https://www.googleapis.com/auth/cloud-platform");
        assertThat(c.getIssueTime().toInstant().getEpochSecond()).isEqualTo(clock.instant().getEpochSecond());
        assertThat(Duration.between(c.getIssueTime().toInstant(), c.getExpirationTime().toInstant()))
                .isLessThanOrEqualTo(Duration.ofHours(1));
        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getClaim("scope")).isNotNull();
        assertThat(token.scopes()).isEqualTo(Scopes.of("https://www.googleapis.com/auth/cloud-platform"));

        assertThat(broker.tokenOrThrow(request)).isSameAs(token);
        assertThat(idp.drainTokenRequests()).as("served from cache").isZero();
        clock.advance(Duration.between(clock.instant(), token.expiresAt().orElseThrow()).minusSeconds(30));
        assertThat(broker.tokenOrThrow(request).value()).isNotEqualTo(token.value());
        assertThat(idp.drainTokenRequests()).as("renewed near expiry").isEqualTo(1);
        assertThat(events).extracting(AuditEvent::detail).containsOnly("jwt_bearer");
    }

    @Test
    void tokenWhenSelfSignedJwtThenSignedLocallyForTheAudienceWithoutNetwork() throws Exception {
        broker(clock);
        TokenRequest request = TokenRequest.builder().provider("gcp").principal(Principal.agent("reporter"))
                .flow(Flow.SELF_SIGNED_JWT).audience("https://pubsub.googleapis.com/").build();

        AccessToken token = broker.tokenOrThrow(request);

        SignedJWT jwt = SignedJWT.parse(token.value());
        assertThat(jwt.verify(new RSASSAVerifier(key.toRSAPublicKey()))).isTrue();
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(key.getKeyID());
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(EMAIL);
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo(EMAIL);
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("https://pubsub.googleapis.com/");
        assertThat(token.expiresAt()).contains(clock.instant().plus(Duration.ofHours(1)));
        assertThat(broker.tokenOrThrow(request)).isSameAs(token);
        assertThat(idp.drainRequests()).as("no network call").isEmpty();
        clock.advance(Duration.ofMinutes(59).plusSeconds(30));
        assertThat(broker.tokenOrThrow(request).value()).as("minted again near expiry").isNotEqualTo(token.value());
    }

    @Test
    void tokenWhenIdTokenThenTargetAudienceAssertionAndIdTokenVerifiableByTheService() throws Exception {
        broker(clock);
        String service = "https://reports-abc123-uc.a.run.app";
        // mock-oauth2-server answers as Google does for target_audience: an id_token it signs, and nothing else.
        String idToken = idp.server().issueToken(TestIdp.ISSUER_ID, EMAIL, new DefaultOAuth2TokenCallback(
                TestIdp.ISSUER_ID, EMAIL, "JWT", List.of(service), Map.of("email", EMAIL), 3600)).serialize();
        gateway.answerNextWith(200, Map.of(), "{\"id_token\":\"" + idToken + "\"}");
        TokenRequest request = TokenRequest.builder().provider("gcp").principal(Principal.agent("reporter"))
                .flow(Flow.ID_TOKEN).audience(service).build();

        AccessToken token = broker.tokenOrThrow(request);

        SignedJWT assertion = assertionOf(gateway.lastRequestBody());
        assertThat(assertion.getJWTClaimsSet().getStringClaim("target_audience")).isEqualTo(service);
        assertThat(assertion.getJWTClaimsSet().getClaim("scope")).isNull();
        assertThat(token.value()).isEqualTo(idToken);
        assertThat(token.expiresAt()).isPresent();
        assertThat(idp.verify(token.value(), service).getSubject()).as("a real ID token for the service")
                .isEqualTo(EMAIL);
        assertThat(broker.tokenOrThrow(request)).isSameAs(token);
    }

    @Test
    void tokenWhenProviderRejectsTheKeyThenErrorNamesKeyAndWhatToDo() {
        broker(clock);
        gateway.answerNextWith(400, Map.of("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(
                clock.instant().atZone(ZoneOffset.UTC))),
                "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}");

        TokenRefusedException e = catchThrowableOfType(TokenRefusedException.class,
                () -> broker.token(jwtBearer("scope-a")));

        assertThat(e.oauthError()).isEqualTo("invalid_grant");
        assertThat(e.provider()).isEqualTo(ProviderId.of("gcp"));
        assertThat(e.getMessage()).contains("Invalid JWT Signature", key.getKeyID(), EMAIL,
                "deleted or disabled", "create a new key").doesNotContain("clock");
    }

    @Test
    void tokenWhenClockFarOffThenErrorSaysSo() {
        MutableClock slow = new MutableClock(ZonedDateTime.now(ZoneOffset.UTC).minusHours(2).toInstant());
        broker(slow);
        gateway.answerNextWith(400, Map.of("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC))), "{\"error\":\"invalid_grant\",\"error_description\":"
                + "\"Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.\"}");

        TokenRefusedException e = catchThrowableOfType(TokenRefusedException.class,
                () -> broker.token(jwtBearer("scope-a")));

        // The HTTP Date header has whole seconds: the measured offset is 2 h give or take one second.
        assertThat(e.getMessage()).containsPattern("clock is (1 h 59|2 h 0) min behind").contains("fix the clock");
    }

    @Test
    void loadWhenFileStringOrBase64ThenSameKeyAndRedactedToString(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("key.json");
        Files.writeString(file, keyJson);

        ServiceAccountKey fromFile = ServiceAccountKey.fromFile(file);
        ServiceAccountKey fromBase64 = ServiceAccountKey.fromBase64(
                Base64.getEncoder().encodeToString(keyJson.getBytes(StandardCharsets.UTF_8)));
        ServiceAccountKey fromUrlBase64 = ServiceAccountKey.fromBase64(
                Base64.getUrlEncoder().encodeToString(keyJson.getBytes(StandardCharsets.UTF_8)));

        for (ServiceAccountKey k : List.of(fromFile, fromBase64, fromUrlBase64)) {
            assertThat(k.clientEmail()).isEqualTo(EMAIL);
            assertThat(k.privateKeyId()).isEqualTo(key.getKeyID());
            assertThat(k.tokenUri().toString()).isEqualTo(tokenUri());
            assertThat(k.projectId()).contains("agent-auth-test");
            assertThat(k.signingKey().privateKey().getEncoded()).isEqualTo(key.toPrivateKey().getEncoded());
            assertThat(k.toString()).contains(EMAIL, "redacted").doesNotContain(TestKeys.pemBody(key.toPrivateKey()));
        }
        assertThat(Provider.serviceAccount("gcp", fromFile).build().toString()).contains("serviceAccountKey=redacted")
                .doesNotContain(TestKeys.pemBody(key.toPrivateKey()));
    }

    @Test
    void loadWhenMalformedOrWrongTypeThenClearErrorWithoutContent(@TempDir Path dir) {
        String pemBody = TestKeys.pemBody(TestKeys.privateKey(key));
        String truncated = keyJson.substring(0, keyJson.length() / 2);
        assertThatThrownBy(() -> ServiceAccountKey.fromJson(truncated)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("not valid JSON (line").hasMessageNotContaining(pemBody.substring(0, 20));
        assertThatThrownBy(() -> ServiceAccountKey.fromJson("[1, 2]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> ServiceAccountKey.fromJson(keyJson.replace("\"service_account\"",
                "\"authorized_user\""))).hasMessageContaining("type 'authorized_user'")
                .hasMessageContaining("gcloud auth application-default login")
                .hasMessageContaining("expected 'service_account'");
        assertThatThrownBy(() -> ServiceAccountKey.fromJson("{\"type\": \"service_account\"}"))
                .hasMessageContaining("lacks client_email, private_key_id, private_key");
        assertThatThrownBy(() -> ServiceAccountKey.fromJson(keyJson.replace("BEGIN PRIVATE KEY",
                "BEGIN RSA PRIVATE KEY"))).hasMessageContaining("PKCS#1").hasMessageContaining("openssl pkcs8");
        assertThatThrownBy(() -> ServiceAccountKey.fromJson(keyJson.replace(pemBody.substring(0, 8), "!!!!!!!!")))
                .hasMessageContaining("private_key is unusable").hasMessageNotContaining(pemBody.substring(20));
        String ecJson = keyJson.replace(TestKeys.pem(TestKeys.privateKey(key)).replace("\n", "\\n"),
                TestKeys.pem(TestKeys.privateKey(TestKeys.ec("e"))).replace("\n", "\\n"));
        assertThatThrownBy(() -> ServiceAccountKey.fromJson(ecJson)).hasMessageContaining("must be an RSA key");
        assertThatThrownBy(() -> ServiceAccountKey.fromBase64("%%%")).hasMessageContaining("not valid base64");
        assertThatThrownBy(() -> ServiceAccountKey.fromFile(dir.resolve("missing.json")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("NoSuchFileException");
    }

    @Test
    void signingKeyWhenPemThenAlgorithmFollowsKeyAndToStringRedacted() throws Exception {
        var ec = TestKeys.ec("ec-key");
        SigningKey fromPem = SigningKey.fromPem(TestKeys.pem(TestKeys.privateKey(ec)), "ec-key");

        assertThat(fromPem.algorithm()).isEqualTo("ES256");
        assertThat(fromPem.keyId()).contains("ec-key");
        assertThat(fromPem.privateKey().getEncoded()).isEqualTo(TestKeys.privateKey(ec).getEncoded());
        assertThat(SigningKey.of(TestKeys.privateKey(key), "k").algorithm()).isEqualTo("RS256");
        assertThat(fromPem.toString()).isEqualTo("SigningKey[alg=ES256, kid=ec-key, key=redacted]");
        java.security.KeyPairGenerator small = java.security.KeyPairGenerator.getInstance("RSA");
        small.initialize(1024);
        assertThatThrownBy(() -> SigningKey.of(small.generateKeyPair().getPrivate(), null))
                .hasMessageContaining("at least 2048 bits");
        assertThatThrownBy(() -> SigningKey.fromPem("not a key", null)).hasMessageContaining("PKCS#8")
                .hasMessageNotContaining("not a key");
    }

    @Test
    void tokenWhenServiceAccountAskedForAnotherFlowThenConfigurationError() {
        broker(clock);

        assertThatThrownBy(() -> broker.token(TokenRequest.forAgent("gcp", "x")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("Flow.JWT_BEARER");
        assertThatThrownBy(() -> TokenRequest.builder().provider("gcp").principal(Principal.agent("a"))
                .flow(Flow.ID_TOKEN).build()).hasMessageContaining("needs an audience");
    }
}
