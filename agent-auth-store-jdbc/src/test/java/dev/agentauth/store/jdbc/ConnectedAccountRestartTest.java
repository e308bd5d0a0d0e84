package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.GrantInfo;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The account a user connected, recorded on the grant, is kept by the embedded store across a restart. */
class ConnectedAccountRestartTest {

    static TestIdp idp;
    final ScriptedBrowser browser = new ScriptedBrowser();

    @TempDir
    Path tmp;

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

    @Test
    void consentWhenNoBindingThenTheAccountThatSignedInIsRecordedOnTheGrantAuditedAndKeptAcrossRestarts() {
        List<AuditEvent> events = new CopyOnWriteArrayList<>();
        Path dir = tmp.resolve("store");
        try (TokenBroker broker = TokenBroker.builder().provider(corp())
                .tokenStore(TokenStores.embedded().directory(dir).build()).auditListener(events::add)
                .redirectUri(URI.create("http://127.0.0.1:9/callback")).build()) {
            ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(
                    TokenRequest.forUser("corp", "alice"))).consent();
            // alice's consent, completed by whoever signs in at the provider: bob.
            URI callback = browser.signIn(consent.authorizationUri(), "bob", "{\"email\":\"bob@corp.example\"}");
            assertThat(broker.completeConsent(callback).success()).isTrue();

            assertThat(events).filteredOn(e -> e.type() == AuditEvent.Type.CONSENT_COMPLETED).singleElement()
                    .satisfies(e -> assertThat(e.account().email()).isEqualTo("bob@corp.example"));
        }
        try (TokenBroker reopened = TokenBroker.builder().provider(corp())
                .tokenStore(TokenStores.embedded().directory(dir).build())
                .redirectUri(URI.create("http://127.0.0.1:9/callback")).build()) {
            GrantInfo grant = reopened.grants("alice").get(0);
            assertThat(grant.connectedAccount()).hasValueSatisfying(a -> {
                assertThat(a.subject()).isEqualTo("bob");
                assertThat(a.displayName()).isEqualTo("bob@corp.example");
            });
        }
    }
}
