package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.core.testing.TestKeys;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token exchange (RFC 8693) on behalf of a user, and {@code private_key_jwt} client authentication (RFC 7523 §2.2),
 * against mock-oauth2-server.
 */
class TokenExchangeTest {

    static TestIdp idp;
    static ECKey clientKey;
    final ScriptedBrowser browser = new ScriptedBrowser();
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        clientKey = TestKeys.ec("agent-key-1");
    }

    @AfterAll
    static void stop() {
        idp.close();
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    TokenBroker broker() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent-client")
                        .clientSecret("s3cr3t-value").defaultScopes("openid").build())
                // The exchanging client authenticates with a private key instead of a secret.
                .provider(Provider.oauth2("corp-obo").issuer(idp.issuer()).clientId("obo-agent")
                        .clientKey(SigningKey.of(TestKeys.privateKey(clientKey), clientKey.getKeyID())).build())
                .loopbackCallback()
                .build();
        idp.drainRequests();
        return broker;
    }

    static TokenRequest exchange(String user) {
        return TokenRequest.builder().provider("corp-obo").principal(Principal.user(user)).flow(Flow.TOKEN_EXCHANGE)
                .subjectProvider("corp").audience("billing-api").scopes("billing.read").build();
    }

    static Map<String, List<String>> form(RecordedRequest r) {
        return URLUtils.parseParameters(r.getBody().readUtf8());
    }

    @Test
    void tokenWhenUserHasNotConnectedSubjectProviderThenItsConsentRequirement() {
        broker();

        TokenResult result = broker.token(exchange("alice"));

        assertThat(result).isInstanceOf(TokenResult.ConsentRequired.class);
        assertThat(((TokenResult.ConsentRequired) result).consent().provider()).isEqualTo(ProviderId.of("corp"));
        assertThat(idp.drainTokenRequests()).isZero();
    }

    @Test
    void tokenWhenUserConnectedThenExchangedOnBehalfOfHerForTheAudienceAndCached() throws Exception {
        broker();
        AccessToken userToken = connect("alice");
        idp.drainRequests();

        AccessToken downstream = broker.tokenOrThrow(exchange("alice"));
        List<RecordedRequest> sent = idp.drainTokenRequestList();

        assertThat(sent).hasSize(1);
        Map<String, List<String>> form = form(sent.get(0));
        assertThat(form.get("grant_type")).containsExactly("urn:ietf:params:oauth:grant-type:token-exchange");
        assertThat(form.get("subject_token")).containsExactly(userToken.value());
        assertThat(form.get("subject_token_type")).containsExactly("urn:ietf:params:oauth:token-type:access_token");
        assertThat(form.get("audience")).containsExactly("billing-api");
        assertThat(form.get("client_assertion_type"))
                .containsExactly("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        assertThat(form).doesNotContainKey("client_secret");

        assertThat(idp.verify(downstream.value(), "billing-api").getSubject()).as("on behalf of alice")
                .isEqualTo("alice");

        assertThat(broker.tokenOrThrow(exchange("alice"))).isSameAs(downstream);
        assertThat(idp.drainTokenRequests()).as("cached").isZero();
        assertThat(broker.grants("alice")).extracting(GrantInfo::flow)
                .containsExactlyInAnyOrder(Flow.USER_CONSENT, Flow.TOKEN_EXCHANGE);

        assertThat(broker.disconnect(ProviderId.of("corp"), "alice")).as("exchanged tokens go with the subject grant")
                .isEqualTo(2);
        assertThat(broker.token(exchange("alice"))).isInstanceOf(TokenResult.ConsentRequired.class);
    }

    @Test
    void tokenWhenPrivateKeyJwtClientThenSignedClientAssertionPerRfc7523() throws Exception {
        broker();

        AccessToken m2m = broker.tokenOrThrow(TokenRequest.forAgent("corp-obo", "reports"));
        RecordedRequest sent = idp.drainTokenRequestList().get(0);

        Map<String, List<String>> form = form(sent);
        assertThat(sent.getHeader("Authorization")).isNull();
        SignedJWT assertion = SignedJWT.parse(form.get("client_assertion").get(0));
        assertThat(assertion.verify(new ECDSAVerifier(clientKey.toECPublicKey()))).isTrue();
        assertThat(assertion.getHeader().getKeyID()).isEqualTo("agent-key-1");
        assertThat(assertion.getJWTClaimsSet().getIssuer()).isEqualTo("obo-agent");
        assertThat(assertion.getJWTClaimsSet().getSubject()).isEqualTo("obo-agent");
        assertThat(assertion.getJWTClaimsSet().getAudience()).containsExactly(idp.tokenEndpoint());
        assertThat(assertion.getJWTClaimsSet().getJWTID()).isNotBlank();
        assertThat(SignedJWT.parse(m2m.value()).getJWTClaimsSet().getSubject()).isEqualTo("obo-agent");
        assertThat(broker.provider(ProviderId.of("corp-obo")).toString()).contains("clientKey=redacted",
                "private_key_jwt");
    }

    @Test
    void tokenWhenSubjectTokenRefusedThenRenewedOnceAndExchangedAgain() throws Exception {
        try (dev.agentauth.core.testing.FlakyGateway gateway =
                     dev.agentauth.core.testing.FlakyGateway.to(java.net.URI.create(idp.issuer()))) {
            broker = TokenBroker.builder()
                    .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent-client")
                            .clientSecret("s3cr3t-value").defaultScopes("openid").build())
                    .provider(Provider.oauth2("corp-obo").issuer(idp.issuer()).clientId("obo-agent")
                            .tokenEndpoint(gateway.url(java.net.URI.create(idp.tokenEndpoint()).getPath()))
                            .clientAssertionAudience(java.net.URI.create(idp.issuer())) // the gateway is not the AS
                            .clientKey(SigningKey.of(TestKeys.privateKey(clientKey), clientKey.getKeyID())).build())
                    .loopbackCallback()
                    .build();
            AccessToken before = connect("bob");
            idp.drainRequests();
            // What an authorization server says when the subject token expired or was revoked (RFC 8693 §2.2.2).
            gateway.answerNextWith(400, Map.of(), "{\"error\":\"invalid_grant\","
                    + "\"error_description\":\"subject token expired\"}");

            AccessToken downstream = broker.tokenOrThrow(exchange("bob"));

            List<RecordedRequest> sent = idp.drainTokenRequestList();
            assertThat(sent).as("the user's token renewed, then one exchange").hasSize(2);
            assertThat(form(sent.get(0)).get("grant_type")).containsExactly("refresh_token");
            assertThat(form(sent.get(1)).get("subject_token")).singleElement().isNotEqualTo(before.value());
            assertThat(downstream.value()).isNotBlank();
        }
    }

    @Test
    void tokenWhenClientAssertionAudienceIsTheIssuerThenAssertionSaysSo() throws Exception {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("rfc7523bis").issuer(idp.issuer()).clientId("bis-agent")
                        .clientKey(SigningKey.of(TestKeys.privateKey(clientKey), clientKey.getKeyID()))
                        .clientAssertionAudience(java.net.URI.create(idp.issuer())).build())
                .build();
        idp.drainRequests();

        broker.tokenOrThrow(TokenRequest.forAgent("rfc7523bis"));

        SignedJWT assertion = SignedJWT.parse(form(idp.drainTokenRequestList().get(0)).get("client_assertion").get(0));
        assertThat(assertion.getJWTClaimsSet().getAudience()).containsExactly(idp.issuer());
    }

    @Test
    void buildWhenPrivateKeyJwtWithoutKeyOrExchangeWithoutSubjectThenRefused() {
        assertThatThrownBy(() -> Provider.oauth2("x").issuer("https://idp.example.com").clientId("c")
                .clientAuthMethod(ClientAuthMethod.PRIVATE_KEY_JWT).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs a client key");
        assertThatThrownBy(() -> TokenRequest.builder().provider("x").principal(Principal.user("a"))
                .flow(Flow.TOKEN_EXCHANGE).build()).hasMessageContaining("subjectProvider");
        assertThatThrownBy(() -> TokenRequest.builder().provider("x").principal(Principal.agent("a"))
                .flow(Flow.TOKEN_EXCHANGE).subjectProvider("y").build()).hasMessageContaining("has no user");
    }

    AccessToken connect(String user) {
        TokenRequest request = TokenRequest.forUser("corp", user);
        ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(request)).consent();
        assertThat(browser.authorize(consent.authorizationUri(), user).statusCode()).isEqualTo(200);
        return broker.consentCompletion(consent.id()).join();
    }
}
