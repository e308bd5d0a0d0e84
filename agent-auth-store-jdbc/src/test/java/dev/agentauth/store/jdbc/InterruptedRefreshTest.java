package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.ProviderUnavailableException;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresh whose refresher died after asking the provider and before saving the answer (another replica, killed
 * while it held the grant's lock; simulated here by the record it leaves in the durable store). The next refresher
 * knows: if the provider accepts the previous refresh token again (a reuse window), the grant is recovered; with strict
 * rotation, the user is asked to connect again and the log and audit trail say the refresh token was lost, not
 * revoked. A refresh that timed out keeps its record too: the provider may have rotated meanwhile.
 */
class InterruptedRefreshTest {

    static TestIdp idp;
    static FlakyGateway gateway;
    static final GrantKey ALICE = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "alice", GrantKey.SHARED, "");
    static final TokenRequest REQUEST = TokenRequest.forUser("corp", "alice");

    final MutableClock clock = MutableClock.now();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    TokenStore store;
    TokenBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        gateway = FlakyGateway.to(URI.create(idp.issuer()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        idp.close();
    }

    @AfterEach
    void close() {
        broker.close();
        gateway.mode(FlakyGateway.Mode.PASS);
    }

    void connectAlice() {
        store = TokenStores.embedded().directory(dir).build();
        broker = TokenBroker.builder().provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent")
                        .clientSecret("s3cret").defaultScopes("openid")
                        .tokenEndpoint(gateway.url(URI.create(idp.tokenEndpoint()).getPath())).build())
                .clock(clock).tokenStore(store).loopbackCallback().readTimeout(Duration.ofMillis(1500))
                .auditListener(events::add).build();
        ConsentRequirement c = ((TokenResult.ConsentRequired) broker.token(REQUEST)).consent();
        assertThat(new ScriptedBrowser().authorize(c.authorizationUri(), "alice").statusCode()).isEqualTo(200);
        broker.consentCompletion(c.id()).join();
        clock.advance(Duration.ofHours(2)); // expired: the next token() refreshes
    }

    /** What a replica killed mid-refresh leaves behind: the record of a refresh that never ended. */
    void refresherDied() {
        assertThat(store.withGrantLock(ALICE, () -> store.beginRefresh(ALICE, clock.instant()))).isEmpty();
    }

    @Test
    void refreshWhenAnEarlierRefreshDiedAndRotationIsStrictThenAClearReconsent() {
        connectAlice();
        refresherDied();
        gateway.answerNextWith(400, Map.of("Content-Type", "application/json"),
                "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token already used\"}");

        try (LogCapture logs = LogCapture.start()) {
            assertThat(broker.token(REQUEST)).isInstanceOf(TokenResult.ConsentRequired.class);
            assertThat(logs.projectWarnings()).anyMatch(l -> l.contains("refresh token of user alice")
                    && l.contains("was lost") && l.contains("must connect again"));
        }
        assertThat(events).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo(AuditEvent.Type.GRANT_INVALIDATED);
            assertThat(e.detail()).startsWith("refresh token lost");
        });
    }

    @Test
    void refreshWhenAnEarlierRefreshDiedAndTheProviderAcceptsThePreviousTokenThenRecovered() {
        connectAlice();
        refresherDied();
        try (LogCapture logs = LogCapture.start()) {
            assertThat(broker.token(REQUEST)).isInstanceOf(TokenResult.Granted.class);
            assertThat(logs.projectLines()).anyMatch(l -> l.contains("recovered the grant of user alice"));
        }
        assertThat(store.beginRefresh(ALICE, clock.instant())).as("the save ended the record").isEmpty();
    }

    @Test
    void refreshWhenItTimesOutThenItsRecordStaysForTheNextRefresher() {
        connectAlice();
        gateway.slowMillis(3_000);
        gateway.mode(FlakyGateway.Mode.SLOW);
        assertThatThrownBy(() -> broker.token(REQUEST)).isInstanceOfSatisfying(ProviderUnavailableException.class,
                e -> assertThat(e.retryable()).isTrue());
        assertThat(store.beginRefresh(ALICE, clock.instant())).as("it may have been used").isPresent();

        gateway.mode(FlakyGateway.Mode.UNAVAILABLE); // an answer (503): the refresh token was not used
        store.endRefresh(ALICE);
        assertThatThrownBy(() -> broker.token(REQUEST)).isInstanceOf(ProviderUnavailableException.class);
        assertThat(store.beginRefresh(ALICE, clock.instant())).isEmpty();
    }
}
