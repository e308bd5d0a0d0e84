package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.ConsentCallbackResult.Status;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every callback that is not exactly the one the broker issued must redeem nothing. */
class CallbackAttackTest {

    static TestIdp idp;
    final ScriptedBrowser browser = new ScriptedBrowser();
    final MutableClock clock = MutableClock.now();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
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

    TokenBroker broker(boolean requireIss) {
        ProviderBuilder p = Provider.oauth2("corp").displayName("Corp").issuer(idp.issuer()).clientId("agent-client")
                .clientSecret("client-secret-value").defaultScopes("openid");
        if (requireIss) {
            p.issuerParameterRequired(true);
        }
        broker = TokenBroker.builder().provider(p.build()).clock(clock).loopbackCallback()
                .auditListener(events::add).build();
        idp.drainRequests();
        return broker;
    }

    ConsentRequirement consentFor(String user) {
        return ((TokenResult.ConsentRequired) broker.token(TokenRequest.forUser("corp", user))).consent();
    }

    static String state(URI authorizationUri) {
        return URLUtils.parseParameters(authorizationUri.getRawQuery()).get("state").get(0);
    }

    ConsentFailedException.Reason failure(CompletableFuture<AccessToken> f) {
        try {
            f.join();
            throw new AssertionError("consent should have failed");
        } catch (CompletionException e) {
            return ((ConsentFailedException) e.getCause()).reason();
        }
    }

    @Test
    void callbackWhenStateForgedThenUnknownStateAndNothingRedeemed() {
        broker(false);
        consentFor("alice");
        URI forged = URI.create(broker.redirectUri().orElseThrow() + "?code=stolen-code&state=forged-state");

        HttpResponse<String> page = browser.get(forged);

        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).contains("is unknown, was already used").doesNotContain("stolen-code");
        assertThat(idp.drainTokenRequests()).isZero();
        assertThat(events).extracting(AuditEvent::type).contains(AuditEvent.Type.CONSENT_REJECTED);
    }

    @Test
    void callbackWhenMissingStateThenRejected() {
        broker(false);
        ConsentCallbackResult r = broker.completeConsent(URI.create(broker.redirectUri().orElseThrow() + "?code=x"));
        assertThat(r.status()).isEqualTo(Status.UNKNOWN_STATE);
        assertThat(idp.drainTokenRequests()).isZero();
    }

    @Test
    void callbackWhenReplayedThenSecondIsUnknownStateAndCodeRedeemedOnce() {
        broker(false);
        URI callback = browser.signIn(consentFor("alice").authorizationUri(), "alice");

        assertThat(browser.get(callback).statusCode()).isEqualTo(200);
        HttpResponse<String> replay = browser.get(callback);

        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(broker.completeConsent(callback).status()).isEqualTo(Status.UNKNOWN_STATE);
        assertThat(idp.drainTokenRequests()).isEqualTo(1);
    }

    @Test
    void callbackWhenConsentExpiredThenExpiredAndWaiterFails() {
        broker(false);
        ConsentRequirement consent = consentFor("alice");
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());
        URI callback = browser.signIn(consent.authorizationUri(), "alice");
        clock.advance(Duration.ofMinutes(11));

        ConsentCallbackResult r = broker.completeConsent(callback);

        assertThat(r.status()).isEqualTo(Status.EXPIRED);
        assertThat(r.userMessage()).contains("expired");
        assertThat(failure(completion)).isEqualTo(ConsentFailedException.Reason.EXPIRED);
        assertThat(idp.drainTokenRequests()).isZero();
    }

    @Test
    void callbackWhenIssuerDiffersThenRejectedAsMixUp() {
        broker(false);
        ConsentRequirement consent = consentFor("alice");
        URI callback = browser.signIn(consent.authorizationUri(), "alice");

        ConsentCallbackResult r = broker.completeConsent(URI.create(callback + "&iss=https%3A%2F%2Fevil.example"));

        assertThat(r.status()).isEqualTo(Status.ISSUER_MISMATCH);
        assertThat(failure(broker.consentCompletion(consent.id()))).isEqualTo(ConsentFailedException.Reason.REJECTED);
        assertThat(idp.drainTokenRequests()).isZero();
    }

    @Test
    void callbackWhenIssuerMatchesThenCompleted() {
        broker(false);
        URI callback = browser.signIn(consentFor("alice").authorizationUri(), "alice");

        ConsentCallbackResult r = broker.completeConsent(URI.create(callback + "&iss="
                + java.net.URLEncoder.encode(idp.issuer(), java.nio.charset.StandardCharsets.UTF_8)));

        assertThat(r.status()).isEqualTo(Status.COMPLETED);
    }

    @Test
    void callbackWhenProviderPromisesIssButCallbackLacksItThenRejected() {
        broker(true);
        URI callback = browser.signIn(consentFor("alice").authorizationUri(), "alice");

        assertThat(broker.completeConsent(callback).status()).isEqualTo(Status.ISSUER_MISMATCH);
        assertThat(idp.drainTokenRequests()).isZero();
    }

    @Test
    void callbackWhenArrivingAtAnotherRedirectUriThenRejected() {
        broker(false);
        URI callback = browser.signIn(consentFor("alice").authorizationUri(), "alice");
        URI elsewhere = URI.create(callback.toString().replace("/callback?", "/other?"));

        assertThat(broker.completeConsent(elsewhere).status()).isEqualTo(Status.REDIRECT_MISMATCH);
        assertThat(idp.drainTokenRequests()).isZero();
    }

    @Test
    void callbackWhenSignedInUserIsNotTheConsentUserThenRejected() {
        broker(false);
        URI callback = browser.signIn(consentFor("alice").authorizationUri(), "alice");

        assertThat(broker.completeConsent(callback, "mallory").status()).isEqualTo(Status.USER_MISMATCH);
        assertThat(broker.completeConsent(callback, "alice").status()).as("state was burnt")
                .isEqualTo(Status.UNKNOWN_STATE);
        assertThat(idp.drainTokenRequests()).isZero();
    }

    @Test
    void callbackWhenUserDeclinesThenDeniedAndWaiterToldDenied() {
        broker(false);
        ConsentRequirement consent = consentFor("alice");
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());
        URI declined = URI.create(broker.redirectUri().orElseThrow() + "?error=access_denied&state="
                + state(consent.authorizationUri()));

        HttpResponse<String> page = browser.get(declined);

        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).contains("did not authorize");
        assertThat(failure(completion)).isEqualTo(ConsentFailedException.Reason.DENIED);
        assertThat(events).extracting(AuditEvent::type).contains(AuditEvent.Type.CONSENT_DENIED);
        assertThat(broker.token(TokenRequest.forUser("corp", "alice")))
                .as("the user can try again").isInstanceOf(TokenResult.ConsentRequired.class);
    }

    @Test
    void consentCompletionWhenNobodyComesThenExpiresWithReason() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("c").clientSecret("secret-x")
                        .defaultScopes("openid").build())
                .consentTtl(Duration.ofMillis(300)).loopbackCallback().build();
        ConsentRequirement consent = consentFor("alice");

        assertThat(failure(broker.consentCompletion(consent.id()))).isEqualTo(ConsentFailedException.Reason.EXPIRED);
    }

    @Test
    void consentCompletionWhenUnknownIdThenFailsUnknown() {
        broker(false);
        assertThat(failure(broker.consentCompletion(new ConsentId("nope"))))
                .isEqualTo(ConsentFailedException.Reason.UNKNOWN);
    }

    @Test
    void loopbackWhenOtherPathOrMethodThenRefusedAndBoundToLoopbackOnly() {
        broker(false);
        URI redirect = broker.redirectUri().orElseThrow();

        assertThat(redirect.getHost()).isEqualTo("127.0.0.1");
        assertThat(browser.get(redirect.resolve("/admin")).statusCode()).isEqualTo(404);
        assertThat(browser.send(HttpRequest.newBuilder(redirect).POST(HttpRequest.BodyPublishers.noBody()).build())
                .statusCode()).isEqualTo(405);
        HttpResponse<String> page = browser.get(URI.create(redirect + "?state=x&code=y"));
        assertThat(page.headers().firstValue("Referrer-Policy")).contains("no-referrer");
        assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
    }
}
