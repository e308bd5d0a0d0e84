package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.KeycloakServer;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How a user consents — the consent channel — is chosen per provider, as a grant policy is per flow: a provider with
 * {@code deviceAuthorization(true)} gets a device code (RFC 8628, against a real Keycloak), any other a browser redirect
 * (authorization code with PKCE, against mock-oauth2-server), which needs a redirect URI. The requirement's
 * {@link ConsentRequirement#prompt()} says what the user is shown, every URL in it safe to show, and
 * {@code authorizationUri()} is the page to open; the 0.2.0 device-code accessors still answer.
 */
class ConsentChannelTest {

    static TestIdp idp;
    static KeycloakServer keycloak;
    final TokenStore store = TokenStore.inMemory();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    final ScriptedBrowser browser = new ScriptedBrowser();
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        keycloak = KeycloakServer.shared();
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

    /** One broker, two providers: Keycloak with device codes ({@code sso}), mock-oauth2-server with redirects. */
    TokenBroker broker(boolean redirectUri) {
        TokenBrokerBuilder b = TokenBroker.builder()
                .provider(Provider.oauth2("sso").displayName("Company SSO").issuer(keycloak.issuer())
                        .clientId("device-agent").clientSecret("device-secret").defaultScopes("openid")
                        .deviceAuthorization(true).build())
                .provider(Provider.oauth2("corp").displayName("Corp").issuer(idp.issuer()).clientId("agent-client")
                        .clientSecret("s3cr3t-value").defaultScopes("openid").build())
                .tokenStore(store).auditListener(events::add);
        if (redirectUri) {
            b.redirectUri(URI.create("http://127.0.0.1:9/oauth/callback"));
        }
        broker = b.build();
        return broker;
    }

    static ConsentRequirement consentOf(TokenResult result) {
        assertThat(result).isInstanceOf(TokenResult.ConsentRequired.class);
        return ((TokenResult.ConsentRequired) result).consent();
    }

    /** The detail of the CONSENT_REQUESTED event of {@code consent}: the channel's name. */
    String requestedThrough(ConsentRequirement consent) {
        return events.stream().filter(e -> e.type() == AuditEvent.Type.CONSENT_REQUESTED
                && consent.id().equals(e.consentId())).findFirst().orElseThrow().detail();
    }

    @Test
    @SuppressWarnings("deprecation") // the 0.2.0 bridge is checked against the prompt
    void tokenWhenTheProviderUsesDeviceCodesThenADeviceCodePromptAndTheBrokerPollsForTheApproval() throws Exception {
        ConsentRequirement consent = consentOf(broker(true).token(TokenRequest.forUser("sso", "alice")));

        assertThat(consent.prompt()).isInstanceOfSatisfying(ConsentPrompt.DeviceCode.class, device -> {
            assertThat(device.userCode()).matches("[A-Z]{4}-[A-Z]{4}");
            assertThat(device.verificationUri()).isEqualTo(URI.create(keycloak.issuer() + "/device"));
            assertThat(device.verificationUriComplete().toString()).contains("user_code=" + device.userCode());
            assertThat(device.interval()).isEqualTo(Duration.ofSeconds(1));
            assertThat(List.of(device.verificationUri(), device.verificationUriComplete()))
                    .allMatch(ConsentRequirement::isSafeToShow);
            assertThat(consent.authorizationUri()).as("the page to open").isEqualTo(device.pageToOpen())
                    .isEqualTo(device.verificationUriComplete());
            // the deprecated bridge says the same
            assertThat(consent.deviceCode()).contains(new ConsentRequirement.DeviceCode(device.userCode(),
                    device.verificationUri(), device.verificationUriComplete(), device.interval()));
            assertThat(consent.device()).isEqualTo(consent.deviceCode().orElseThrow());
        });
        assertThat(store.findConsent(consent.id())).hasValueSatisfying(p -> assertThat(p.device()).isTrue());
        assertThat(requestedThrough(consent)).isEqualTo("device_code");
        assertThat(consent.toString()).doesNotContain(store.findConsent(consent.id()).orElseThrow().codeVerifier());
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());

        keycloak.approve(((ConsentPrompt.DeviceCode) consent.prompt()).verificationUriComplete(), "alice", "alice-pw");

        AccessToken token = completion.get(30, TimeUnit.SECONDS);
        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getStringClaim("preferred_username"))
                .isEqualTo("alice");
    }

    @Test
    @SuppressWarnings("deprecation")
    void tokenWhenTheProviderUsesRedirectsThenARedirectPromptAndTheCallbackCompletesIt() throws Exception {
        ConsentRequirement consent = consentOf(broker(true).token(TokenRequest.forUser("corp", "alice")));

        assertThat(consent.prompt()).isInstanceOfSatisfying(ConsentPrompt.Redirect.class, redirect -> {
            assertThat(redirect.authorizationUri()).isEqualTo(consent.authorizationUri());
            assertThat(redirect.authorizationUri().toString()).startsWith(idp.authorizationEndpoint());
            assertThat(ConsentRequirement.isSafeToShow(redirect.authorizationUri())).isTrue();
            Map<String, List<String>> query = URLUtils.parseParameters(redirect.authorizationUri().getRawQuery());
            assertThat(query).containsKeys("state", "code_challenge")
                    .containsEntry("code_challenge_method", List.of("S256"))
                    .containsEntry("redirect_uri", List.of("http://127.0.0.1:9/oauth/callback"));
        });
        assertThat(consent.deviceCode()).isEmpty();
        assertThat(consent.device()).isNull();
        assertThat(store.findConsent(consent.id())).hasValueSatisfying(p -> assertThat(p.device()).isFalse());
        assertThat(requestedThrough(consent)).isEqualTo("authorization_code");
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());

        URI callback = browser.signIn(consent.authorizationUri(), "alice");
        ConsentCallbackResult result = broker.completeConsent(callback, "alice");

        assertThat(result.status()).isEqualTo(ConsentCallbackResult.Status.COMPLETED);
        assertThat(completion.get(10, TimeUnit.SECONDS).value()).isNotBlank();
        assertThat(broker.token(TokenRequest.forUser("corp", "alice"))).isInstanceOf(TokenResult.Granted.class);
    }

    @Test
    void tokenWhenARedirectProviderHasNoRedirectUriThenConfigurationExceptionAndADeviceProviderStillConsents() {
        broker(false);

        assertThatThrownBy(() -> broker.token(TokenRequest.forUser("corp", "alice")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("user consent needs a redirect URI")
                .hasMessageContaining("redirectUri(...) or .loopbackCallback()")
                .hasMessageContaining("ProviderBuilder.deviceAuthorization(true)")
                .satisfies(e -> assertThat(((ConfigurationException) e).provider()).isEqualTo(ProviderId.of("corp")));
        assertThat(events).noneMatch(e -> e.type() == AuditEvent.Type.CONSENT_REQUESTED);
        assertThat(broker.redirectUri()).isEmpty();

        // the device code needs no redirect URI: the same broker's other provider consents all the same
        ConsentRequirement device = consentOf(broker.token(TokenRequest.forUser("sso", "alice")));
        assertThat(device.prompt()).isInstanceOf(ConsentPrompt.DeviceCode.class);
    }
}
