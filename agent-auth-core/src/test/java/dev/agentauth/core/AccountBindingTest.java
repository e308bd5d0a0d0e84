package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which identity-provider account a user connected: recorded on the grant when the application binds nothing (kept
 * across a restart by the embedded store: {@code ConnectedAccountRestartTest} in agent-auth-store-jdbc); refused with
 * its own reason, nothing stored, when the application expects another.
 */
class AccountBindingTest {

    static TestIdp idp;
    final ScriptedBrowser browser = new ScriptedBrowser();

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
    }

    @AfterAll
    static void stop() {
        idp.close();
    }

    static Provider corp() {
        return Provider.oauth2("corp").issuer(idp.issuer()).clientId("binding-client").clientSecret("binding-secret")
                .defaultScopes("openid").build();
    }

    static ConsentRequirement consentFor(TokenBroker broker, String user) {
        return ((TokenResult.ConsentRequired) broker.token(TokenRequest.forUser("corp", user))).consent();
    }

    @Test
    void consentWhenNoBindingThenTheAccountThatSignedInIsRecordedOnTheGrantAndAudited() {
        List<AuditEvent> events = new CopyOnWriteArrayList<>();
        try (TokenBroker broker = TokenBroker.builder().provider(corp()).auditListener(events::add)
                .redirectUri(URI.create("http://127.0.0.1:9/callback")).build()) {
            ConsentRequirement consent = consentFor(broker, "alice");
            // alice's consent, completed by whoever signs in at the provider: bob.
            URI callback = browser.signIn(consent.authorizationUri(), "bob", "{\"email\":\"bob@corp.example\"}");
            assertThat(broker.completeConsent(callback).success()).isTrue();

            assertThat(events).filteredOn(e -> e.type() == AuditEvent.Type.CONSENT_COMPLETED).singleElement()
                    .satisfies(e -> assertThat(e.account().email()).isEqualTo("bob@corp.example"));
            assertThat(broker.grants("alice").get(0).connectedAccount()).hasValueSatisfying(a -> {
                assertThat(a.subject()).isEqualTo("bob");
                assertThat(a.displayName()).isEqualTo("bob@corp.example");
            });
        }
    }

    @Test
    void consentWhenAnotherAccountSignsInThanTheBoundOneThenRefusedWithItsReasonAndNothingStored() {
        ExpectedAccount binding = (principal, provider) -> Optional.of(principal.user() + "@corp.example");
        try (TokenBroker broker = TokenBroker.builder().provider(corp()).expectedAccount(binding)
                .redirectUri(URI.create("http://127.0.0.1:9/callback")).build()) {
            ConsentRequirement consent = consentFor(broker, "alice");
            Map<String, List<String>> query = URLUtils.parseParameters(consent.authorizationUri().getRawQuery());
            assertThat(query.get("login_hint")).containsExactly("alice@corp.example");

            URI callback = browser.signIn(consent.authorizationUri(), "bob", "{\"email\":\"bob@corp.example\"}");
            ConsentCallbackResult result = broker.completeConsent(callback);

            assertThat(result.status()).isEqualTo(ConsentCallbackResult.Status.ACCOUNT_MISMATCH);
            assertThat(result.consentSpent()).isTrue();
            assertThat(result.userMessage()).contains("bob@corp.example", "alice@corp.example", "new link");
            Throwable waited = catchThrowable(() -> broker.consentCompletion(consent.id()).join());
            assertThat(waited).isInstanceOf(CompletionException.class).cause()
                    .isInstanceOfSatisfying(ConsentFailedException.class, f -> {
                        assertThat(f.reason()).isEqualTo(ConsentFailedException.Reason.ACCOUNT_MISMATCH);
                        assertThat(f.getMessage()).contains("another account signed in");
                    });
            assertThat(broker.grants("alice")).isEmpty();

            // The right account completes a new consent, and is recorded.
            ConsentRequirement again = consentFor(broker, "alice");
            assertThat(again.id()).isNotEqualTo(consent.id());
            URI ok = browser.signIn(again.authorizationUri(), "alice", "{\"email\":\"Alice@Corp.example\"}");
            assertThat(broker.completeConsent(ok).success()).isTrue();
            assertThat(broker.grants("alice").get(0).connectedAccount().orElseThrow().subject()).isEqualTo("alice");
        }
    }

    @Test
    void consentWhenSignedInAsAnotherAppUserThenTheResultSaysTheConsentIsSpent() {
        try (TokenBroker broker = TokenBroker.builder().provider(corp())
                .redirectUri(URI.create("http://127.0.0.1:9/callback")).build()) {
            ConsentRequirement consent = consentFor(broker, "alice");
            URI callback = browser.signIn(consent.authorizationUri(), "alice");

            ConsentCallbackResult result = broker.completeConsent(callback, "mallory");

            assertThat(result.status()).isEqualTo(ConsentCallbackResult.Status.USER_MISMATCH);
            assertThat(result.consentSpent()).isTrue();
            assertThat(result.userMessage()).contains("used up", "new link");
            assertThat(broker.completeConsent(callback, "alice").status())
                    .as("the link cannot be used again").isEqualTo(ConsentCallbackResult.Status.UNKNOWN_STATE);
        }
    }
}
