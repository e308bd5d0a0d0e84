package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.GrantInfo;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker over rows edited in its database: carol's grant edited to name dave is never dave's token, listing or
 * revocation, and carol is simply asked to connect again; a grant that does not decrypt no longer traps its user (a
 * new consent is offered, disconnect works). The embedded store, a real identity provider, a scripted browser.
 */
class TamperedRowBrokerTest {

    static TestIdp idp;
    final ScriptedBrowser browser = new ScriptedBrowser();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    TokenBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startIdp() {
        idp = TestIdp.start();
    }

    @AfterAll
    static void stopIdp() {
        idp.close();
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    void open() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent").clientSecret("s3cret")
                        .defaultScopes("openid").build())
                .loopbackCallback()
                .tokenStore(TokenStores.embedded().directory(dir).build())
                .auditListener(events::add)
                .build();
    }

    void edit(String sql) throws Exception {
        broker.close(); // H2: one process, one opener; "someone else" edits the file meanwhile
        EmbeddedTokenStoreTest.raw(dir, sql);
        open();
    }

    AccessToken connect(String user) throws Exception {
        TokenRequest request = TokenRequest.forUser("corp", user);
        ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(request)).consent();
        var completion = broker.consentCompletion(consent.id());
        assertThat(browser.authorize(consent.authorizationUri(), user).statusCode()).isEqualTo(200);
        return completion.get(5, TimeUnit.SECONDS);
    }

    @Test
    void grantWhenUserIdEditedToAnotherUserThenNeitherGetsItAndDisconnectRevokesNothing() throws Exception {
        open();
        AccessToken carols = connect("carol");
        connect("dave");
        edit("UPDATE agentauth_grant SET user_id = 'dave' WHERE user_id = 'carol'");
        idp.drainRequests();

        try (LogCapture logs = LogCapture.start()) {
            TokenResult forDave = broker.token(TokenRequest.forUser("corp", "dave"));
            assertThat(forDave).isInstanceOf(TokenResult.Granted.class);
            assertThat(((TokenResult.Granted) forDave).token().value()).isNotEqualTo(carols.value());
            assertThat(broker.grants("dave")).hasSize(1).extracting(GrantInfo::provider)
                    .containsExactly(ProviderId.of("corp"));

            TokenResult forCarol = broker.token(TokenRequest.forUser("corp", "carol"));
            assertThat(forCarol).as("carol is asked again, never an error about her row")
                    .isInstanceOf(TokenResult.ConsentRequired.class);
            assertThat(broker.grants("carol")).isEmpty();

            assertThat(broker.disconnect(ProviderId.of("corp"), "dave")).isEqualTo(2);
            List<RecordedRequest> revocations = idp.drainRequests().stream()
                    .filter(r -> r.getPath().contains("revoke")).toList();
            assertThat(revocations).as("dave's own grant only").hasSize(1);
            assertThat(revocations.get(0).getBody().readUtf8()).doesNotContain(carols.value());
            assertThat(String.join("\n", logs.allLines())).contains("failed the integrity check")
                    .doesNotContain(carols.value());
        }
        assertThat(events).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo(AuditEvent.Type.GRANT_INVALIDATED);
            assertThat(e.detail()).contains("integrity");
        });
    }

    @Test
    void grantWhenItNoLongerDecryptsThenANewConsentIsOfferedAndDisconnectWorks() throws Exception {
        open();
        connect("alice");
        edit("UPDATE agentauth_grant SET access_token = X'01020304' WHERE user_id = 'alice'");

        assertThat(broker.grants("alice")).isEmpty();
        assertThat(broker.token(TokenRequest.forUser("corp", "alice")))
                .isInstanceOf(TokenResult.ConsentRequired.class);
        assertThat(broker.disconnect(ProviderId.of("corp"), "alice")).isEqualTo(1);

        AccessToken again = connect("alice");
        assertThat(broker.token(TokenRequest.forUser("corp", "alice"))).isEqualTo(new TokenResult.Granted(again));
    }
}
