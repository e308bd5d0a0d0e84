package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.rar.AuthorizationType;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.CibaDevice;
import dev.agentauth.core.testing.ForwardingTokenStore;
import dev.agentauth.core.testing.KeycloakServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The approval of one action through OpenID CIBA (poll mode) with RFC 9396 authorization details, against a real
 * Keycloak whose HTTP authentication channel posts to a test device that approves, denies or never answers
 * ({@link CibaDevice}). The approved token carries the action's details (Keycloak maps the request's
 * {@code authorization_details} into it with a protocol mapper, as a deployment configures it: see
 * {@link KeycloakServer}); a denial, an expiry and a real {@code slow_down} from Keycloak end or slow the polling; a
 * replica that did not start the approval completes it; an approved token is never served to another request.
 */
class BackchannelApprovalTest {

    static KeycloakServer keycloak;
    final List<TokenBroker> brokers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        keycloak = KeycloakServer.shared();
    }

    @AfterEach
    void close() {
        brokers.forEach(TokenBroker::close);
    }

    TokenBroker broker(TokenStore store) {
        TokenBroker broker = TokenBroker.builder()
                .provider(Provider.oauth2("bank").displayName("Bank").issuer(keycloak.issuer())
                        .clientId("approval-agent").clientSecret("approval-secret").defaultScopes("openid")
                        .backchannelAuthentication(true).build())
                // CIBA names the user to the provider: the app's user alice is the realm's user alice.
                .expectedAccount((principal, provider) -> Optional.of(principal.user()))
                .tokenStore(store).build();
        brokers.add(broker);
        return broker;
    }

    static Approval payment(String bindingMessage, String amount, String creditor) {
        return Approval.of(bindingMessage, new AuthorizationDetail.Builder(new AuthorizationType("payment_initiation"))
                .field("instructedAmount", Map.of("currency", "EUR", "amount", amount))
                .field("creditorName", creditor).build());
    }

    static TokenRequest approvalOf(Approval approval) {
        return TokenRequest.builder().provider("bank").principal(Principal.user("alice")).approval(approval).build();
    }

    static ConsentRequirement consentOf(TokenResult result) {
        assertThat(result).isInstanceOf(TokenResult.ConsentRequired.class);
        return ((TokenResult.ConsentRequired) result).consent();
    }

    @Test
    void approvalWhenTheUserApprovesOnTheirDeviceThenTheTokenCarriesExactlyThatAction() throws Exception {
        dev.agentauth.core.testing.LogCapture logs = dev.agentauth.core.testing.LogCapture.everything();
        TokenStore store = TokenStore.inMemory();
        TokenBroker broker = broker(store);
        Approval approval = payment("PAY-42EUR-bob", "42.00", "bob");
        keycloak.device().answer("PAY-42EUR-bob", CibaDevice.Decision.APPROVE);

        long started = System.nanoTime();
        ConsentRequirement consent = consentOf(broker.token(approvalOf(approval)));
        assertThat(consent.prompt()).isInstanceOfSatisfying(ConsentPrompt.Backchannel.class, p -> {
            assertThat(p.bindingMessage()).isEqualTo("PAY-42EUR-bob");
            assertThat(p.details()).isEqualTo(approval.details());
            assertThat(p.interval()).isEqualTo(Duration.ofSeconds(2));
        });
        assertThat(consent.authorizationUri()).isEqualTo(ConsentPrompt.Backchannel.NO_PAGE);
        assertThat(ConsentRequirement.isSafeToShow(consent.authorizationUri())).as("no link to render").isFalse();
        String authReqId = store.findConsent(consent.id()).orElseThrow().codeVerifier();
        AccessToken token = broker.consentCompletion(consent.id()).get(30, TimeUnit.SECONDS);
        long approvedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        CibaDevice.Received shown = keycloak.device().awaitRequest("PAY-42EUR-bob");
        assertThat(shown.loginHint()).isEqualTo("alice");
        assertThat(AuthorizationDetail.parseList(shown.authorizationDetails())).as("the device was shown the action")
                .isEqualTo(approval.details());
        var claims = SignedJWT.parse(token.value()).getJWTClaimsSet();
        assertThat(claims.getStringClaim("preferred_username")).isEqualTo("alice");
        assertThat(AuthorizationDetail.parseList(net.minidev.json.JSONValue.toJSONString(
                claims.getClaim("authorization_details")))).isEqualTo(approval.details());
        // For that call only: the same action again is a new approval, not the token just approved.
        ConsentRequirement again = consentOf(broker.token(approvalOf(approval)));
        assertThat(again.id()).isNotEqualTo(consent.id());
        assertThat(broker.grants("alice")).as("an approval is not a connection").isEmpty();
        assertThat(store.findByUser("alice")).singleElement().satisfies(g -> {
            assertThat(g.key().flow()).isEqualTo(Flow.USER_APPROVAL);
            assertThat(g.key().scopeKey()).as("under a key of its own").startsWith("approval-");
            assertThat(g.refreshToken()).as("nothing renews an approval").isNull();
        });
        assertThat(consent.toString()).doesNotContain(authReqId);
        // The auth_req_id is a credential: never in a log line, like the token.
        logs.close();
        assertThat(logs.allLines()).isNotEmpty().noneMatch(l -> l.contains(authReqId) || l.contains(token.value()));
        System.out.printf("CIBA approval on Keycloak: request to token in %d ms (device answered 200 ms after it was"
                + " asked; polling interval 2 s)%n", approvedMillis);
    }

    @Test
    void approvalWhenTheUserDeniesOnTheirDeviceThenDenied() {
        TokenBroker broker = broker(TokenStore.inMemory());
        keycloak.device().answer("DEL-repo-demo", CibaDevice.Decision.DENY);
        ConsentRequirement consent = consentOf(broker.token(approvalOf(Approval.of("DEL-repo-demo",
                new AuthorizationDetail.Builder(new AuthorizationType("repository_deletion"))
                        .field("repository", "alice/demo").build()))));
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());

        assertThatThrownBy(() -> completion.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ConsentFailedException.class,
                        e -> assertThat(e.reason()).isEqualTo(ConsentFailedException.Reason.DENIED));
    }

    @Test
    void approvalWhenTheUserNeverAnswersThenExpired() {
        TokenBroker broker = broker(TokenStore.inMemory());
        long started = System.nanoTime();
        ConsentRequirement consent = consentOf(broker.token(approvalOf(payment("PAY-1EUR-nobody", "1.00",
                "nobody"))));
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());

        assertThatThrownBy(() -> completion.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ConsentFailedException.class,
                        e -> assertThat(e.reason()).isEqualTo(ConsentFailedException.Reason.EXPIRED));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the realm's CIBA requests live 10 s")
                .isBetween(Duration.ofSeconds(9), Duration.ofSeconds(20));
    }

    @Test
    void pollingWhenKeycloakSaysSlowDownThenTheIntervalGrowsByFiveSecondsAndTheApprovalStillCompletes()
            throws Exception {
        // A store whose schedule runs early for the first two polls — as a replica with a clock ahead would — so that
        // the broker polls Keycloak twice within its 2 s interval and Keycloak itself answers slow_down.
        AtomicInteger early = new AtomicInteger(2);
        List<Duration> intervals = new CopyOnWriteArrayList<>();
        TokenStore store = new ForwardingTokenStore(TokenStore.inMemory()) {
            @Override
            public List<PendingConsent> dueDeviceConsents(Instant now, int limit) {
                if (early.get() > 0) {
                    List<PendingConsent> due = super.dueDeviceConsents(now.plusSeconds(30), limit);
                    if (!due.isEmpty()) {
                        early.decrementAndGet();
                    }
                    return due;
                }
                return super.dueDeviceConsents(now, limit);
            }

            @Override
            public void releaseConsent(String stateDigest, String claimant, Instant nextPollAt, Duration interval) {
                intervals.add(interval);
                super.releaseConsent(stateDigest, claimant, nextPollAt, interval);
            }
        };
        TokenBroker broker = broker(store);
        ConsentRequirement consent = consentOf(broker.token(approvalOf(payment("PAY-7EUR-carol", "7.00",
                "carol"))));
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!intervals.contains(Duration.ofSeconds(7)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(intervals).as("2 s, then 2 + 5 s after Keycloak's slow_down").contains(Duration.ofSeconds(2),
                Duration.ofSeconds(7));
        keycloak.device().answerNow("PAY-7EUR-carol", CibaDevice.Decision.APPROVE);

        assertThat(completion.get(30, TimeUnit.SECONDS).value()).isNotBlank();
    }

    @Test
    void approvalInPingModeWhenKeycloakNotifiesThenTheBrokerPollsAtOnce() throws Exception {
        TokenStore store = TokenStore.inMemory();
        TokenBroker broker = TokenBroker.builder()
                .provider(Provider.oauth2("bank").issuer(keycloak.issuer()).clientId("ping-agent")
                        .clientSecret("ping-secret").defaultScopes("openid")
                        .backchannelNotificationEndpoint(keycloak.device().notificationUrl().toString()).build())
                .expectedAccount((principal, provider) -> Optional.of(principal.user()))
                .tokenStore(store).build();
        brokers.add(broker);
        keycloak.device().onNotification(broker::backchannelNotification);
        assertThat(broker.backchannelNotification("Bearer not-a-token", "{\"auth_req_id\":\"x\"}"))
                .as("a notification the broker did not ask for matches nothing").isFalse();

        ConsentRequirement consent = consentOf(broker.token(approvalOf(payment("PAY-3EUR-erin", "3.00", "erin"))));
        assertThat(store.findConsent(consent.id()).orElseThrow().pollInterval()).as("polled rarely: notified")
                .isGreaterThan(Duration.ofSeconds(2));
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());
        keycloak.device().awaitRequest("PAY-3EUR-erin");
        int notifiedBefore = keycloak.device().notifiedAtNanos().size();
        long approved = System.nanoTime();
        keycloak.device().answerNow("PAY-3EUR-erin", CibaDevice.Decision.APPROVE);

        AccessToken token = completion.get(30, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - approved);
        assertThat(keycloak.device().notifiedAtNanos()).hasSizeGreaterThan(notifiedBefore);
        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getStringClaim("preferred_username"))
                .isEqualTo("alice");
        assertThat(millis).as("the next scan after the notification, not the 5 s fallback poll").isLessThan(4_000);
        System.out.printf("CIBA ping mode on Keycloak: token %d ms after the user approved%n", millis);
    }

    @Test
    void approvalWhenTheReplicaThatStartedItIsGoneThenAnotherReplicaPollsAndCompletesIt() throws Exception {
        TokenStore shared = TokenStore.inMemory();
        TokenBroker first = broker(shared);
        TokenBroker second = broker(shared);
        ConsentRequirement consent = consentOf(first.token(approvalOf(payment("PAY-9EUR-dave", "9.00", "dave"))));
        first.close(); // the replica that started it stops before the user answers

        CompletableFuture<AccessToken> completion = second.consentCompletion(consent.id());
        keycloak.device().awaitRequest("PAY-9EUR-dave");
        keycloak.device().answerNow("PAY-9EUR-dave", CibaDevice.Decision.APPROVE);

        AccessToken token = completion.get(30, TimeUnit.SECONDS);
        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getClaim("authorization_details")).isNotNull();
    }
}
