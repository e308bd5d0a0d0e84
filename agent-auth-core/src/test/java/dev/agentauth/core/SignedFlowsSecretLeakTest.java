package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.core.testing.TestKeys;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.Test;

/**
 * {@link SecretLeakTest} for the signed flows: service-account tokens, self-signed JWTs, ID tokens, refused keys,
 * {@code private_key_jwt} and token exchange. No private key, assertion, token or subject token may appear in a log line,
 * an exception message or a {@code toString()}. (Inbound verification: {@code VerifierSecretLeakTest} in
 * agent-auth-verify.)
 */
class SignedFlowsSecretLeakTest {

    @Test
    void signedFlowsWhenEverythingLoggedAndPrintedThenNoSecretAppears() throws Exception {
        LogCapture logs = LogCapture.start();
        List<String> printed = new ArrayList<>();
        Set<String> secrets = new LinkedHashSet<>();
        List<AuditEvent> events = new CopyOnWriteArrayList<>();
        MutableClock clock = MutableClock.now();
        TokenStore store = TokenStore.inMemory();

        try (TestIdp idp = TestIdp.start();
             FlakyGateway gateway = FlakyGateway.to(URI.create(idp.issuer()))) {
            RSAKey saKey = TestKeys.rsa("sa-key-id");
            ECKey clientKey = TestKeys.ec("client-key-id");
            secrets.add(TestKeys.pemBody(TestKeys.privateKey(saKey)));
            secrets.add(TestKeys.pemBody(TestKeys.privateKey(clientKey)));
            String tokenUri = gateway.url(URI.create(idp.tokenEndpoint()).getPath());
            ServiceAccountKey sa = ServiceAccountKey.fromJson(TestKeys.serviceAccountJson(saKey, "sa@x.iam", tokenUri));
            SigningKey signingKey = SigningKey.of(TestKeys.privateKey(clientKey), "client-key-id");
            Provider gcp = Provider.serviceAccount("gcp", sa).build();
            Provider corp = Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent").clientSecret("s3cr3t-x")
                    .defaultScopes("openid").build();
            Provider obo = Provider.oauth2("obo").issuer(idp.issuer()).clientId("obo").clientKey(signingKey).build();
            secrets.add("s3cr3t-x");
            printed.add(sa.toString());
            printed.add(signingKey.toString());
            printed.add(gcp + " " + corp + " " + obo);

            try (TokenBroker broker = TokenBroker.builder().provider(gcp).provider(corp).provider(obo).clock(clock)
                    .tokenStore(store).loopbackCallback().auditListener(events::add).build()) {
                Principal agent = Principal.agent("reporter");
                TokenRequest bearer = TokenRequest.builder().provider("gcp").principal(agent).flow(Flow.JWT_BEARER)
                        .scopes("cloud-platform").build();
                AccessToken at = broker.tokenOrThrow(bearer);
                secrets.add(at.value());
                secrets.add(form(gateway.lastRequestBody(), "assertion"));
                printed.add(at + " " + bearer);

                AccessToken self = broker.tokenOrThrow(TokenRequest.builder().provider("gcp").principal(agent)
                        .flow(Flow.SELF_SIGNED_JWT).audience("https://pubsub.googleapis.com/").build());
                secrets.add(self.value());
                printed.add(self.toString());

                String idToken = idp.server().issueToken(TestIdp.ISSUER_ID, "sa@x.iam", new DefaultOAuth2TokenCallback(
                        TestIdp.ISSUER_ID, "sa@x.iam", "JWT", List.of("https://svc"), Map.of(), 3600)).serialize();
                secrets.add(idToken);
                gateway.answerNextWith(200, Map.of(), "{\"id_token\":\"" + idToken + "\"}");
                printed.add(broker.tokenOrThrow(TokenRequest.builder().provider("gcp").principal(agent)
                        .flow(Flow.ID_TOKEN).audience("https://svc").build()).toString());
                secrets.add(form(gateway.lastRequestBody(), "assertion"));

                gateway.answerNextWith(400, Map.of(), "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid"
                        + " JWT Signature.\"}");
                printed.add(SecretLeakTest.describe(catchThrowable(() -> broker.token(bearer.withScopes(
                        Scopes.of("other"))))));
                secrets.add(form(gateway.lastRequestBody(), "assertion"));

                // private_key_jwt and token exchange on behalf of alice
                AccessToken m2m = broker.tokenOrThrow(TokenRequest.forAgent("obo", "reports"));
                secrets.add(m2m.value());
                TokenResult consentNeeded = broker.token(exchange());
                printed.add(consentNeeded.toString());
                ConsentRequirement consent = ((TokenResult.ConsentRequired) consentNeeded).consent();
                assertThat(new ScriptedBrowser().authorize(consent.authorizationUri(), "alice").statusCode())
                        .isEqualTo(200);
                secrets.add(broker.consentCompletion(consent.id()).join().value());
                AccessToken exchanged = broker.tokenOrThrow(exchange());
                secrets.add(exchanged.value());
                printed.add(exchanged + " " + exchange() + " " + broker.grants("alice"));
                clock.advance(Duration.ofHours(2));
                AccessToken again = broker.tokenOrThrow(exchange()); // subject refreshed, then exchanged again
                secrets.add(again.value());
                printed.add(SecretLeakTest.describe(catchThrowable(() -> broker.token(TokenRequest.builder()
                        .provider("obo").principal(Principal.user("alice")).flow(Flow.TOKEN_EXCHANGE)
                        .subjectProvider("gcp").build()))));
                events.forEach(e -> printed.add(e.toString()));
            }
        } finally {
            logs.close();
        }

        List<String> logLines = logs.projectLines();
        assertThat(logLines).as("the flows logged something").hasSizeGreaterThan(5);
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(13).doesNotContainNull();
        for (String secret : secrets) {
            assertThat(logLines).as("log lines").noneMatch(line -> line != null && line.contains(secret));
            assertThat(printed).as("toString and messages").noneMatch(s -> s != null && s.contains(secret));
        }
    }

    static TokenRequest exchange() {
        return TokenRequest.builder().provider("obo").principal(Principal.user("alice")).flow(Flow.TOKEN_EXCHANGE)
                .subjectProvider("corp").audience("billing-api").build();
    }

    static String form(String body, String name) {
        return URLUtils.parseParameters(body).get(name).get(0);
    }
}
