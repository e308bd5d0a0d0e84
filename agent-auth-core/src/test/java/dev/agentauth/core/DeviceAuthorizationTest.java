package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.KeycloakServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device authorization grant (RFC 8628) against a real Keycloak: the consent requirement carries the user code and
 * the verification URI (complete form too), the broker polls until the user approves on "another device" and the
 * token is the user's; a refusal, an expired device code and a {@code slow_down} are each handled; no redirect URI is
 * needed at all. (A device authorization outliving its replica on PostgreSQL: {@code DeviceAuthorizationReplicasTest}
 * in agent-auth-store-jdbc.)
 */
class DeviceAuthorizationTest {

    static KeycloakServer keycloak;
    final List<TokenBroker> brokers = new CopyOnWriteArrayList<>();
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    @BeforeAll
    static void start() {
        keycloak = KeycloakServer.shared();
    }

    @AfterEach
    void close() {
        brokers.forEach(TokenBroker::close);
    }

    final dev.agentauth.core.store.TokenStore store = dev.agentauth.core.store.TokenStore.inMemory();

    TokenBroker broker(String clientId, String secret, String tokenEndpoint) {
        ProviderBuilder p = Provider.oauth2("sso").displayName("Company SSO").issuer(keycloak.issuer())
                .clientId(clientId).clientSecret(secret).defaultScopes("openid").deviceAuthorization(true);
        if (tokenEndpoint != null) {
            p.tokenEndpoint(tokenEndpoint);
        }
        io.micrometer.observation.ObservationRegistry observations = io.micrometer.observation.ObservationRegistry
                .create();
        observations.observationConfig().observationHandler(
                new io.micrometer.core.instrument.observation.DefaultMeterObservationHandler(meters));
        TokenBroker broker = TokenBroker.builder().provider(p.build()).auditListener(events::add)
                .observationRegistry(observations).tokenStore(store).build();
        brokers.add(broker);
        return broker;
    }

    /**
     * How many device authorizations ended with {@code outcome}: the observation stops just after the waiters were
     * woken, so it is looked for a moment (0 once 10 s have passed without one).
     */
    long observed(String outcome) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            io.micrometer.core.instrument.Timer t = meters.find("agentauth.consent.complete").tag("flow", "device_code")
                    .tag("outcome", outcome).timer();
            // Micrometer registers the timer just before it records the sample: wait for the sample too.
            if (t != null && t.count() > 0 || System.nanoTime() > deadline) {
                return t == null ? 0 : t.count();
            }
            Thread.sleep(20);
        }
    }

    /**
     * The types of the audit events so far, once one of {@code type} is among them: the end of a device authorization
     * is audited just after its waiters are woken, so it is looked for a moment.
     */
    List<AuditEvent.Type> auditedOnce(AuditEvent.Type type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (events.stream().noneMatch(e -> e.type() == type) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return events.stream().map(AuditEvent::type).toList();
    }

    static ConsentRequirement consentOf(TokenResult result) {
        assertThat(result).isInstanceOf(TokenResult.ConsentRequired.class);
        return ((TokenResult.ConsentRequired) result).consent();
    }

    @Test
    void consentWhenTheUserApprovesOnAnotherDeviceThenTheBrokerPollsAndHoldsTheirToken() throws Exception {
        dev.agentauth.core.testing.LogCapture logs = dev.agentauth.core.testing.LogCapture.everything();
        TokenBroker broker = broker("device-agent", "device-secret", null);
        TokenRequest request = TokenRequest.forUser("sso", "alice");
        ConsentRequirement consent = consentOf(broker.token(request));
        ConsentRequirement.DeviceCode device = consent.deviceCode().orElseThrow();
        assertThat(device.userCode()).matches("[A-Z]{4}-[A-Z]{4}");
        assertThat(device.verificationUri().toString()).isEqualTo(keycloak.issuer() + "/device");
        assertThat(device.verificationUriComplete().toString()).contains("user_code=" + device.userCode());
        assertThat(consent.authorizationUri()).isEqualTo(device.verificationUriComplete());
        assertThat(device.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(consent.toString()).doesNotContain("device_code");
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());
        assertThat(consentOf(broker.token(request)).id()).as("one consent while it is pending").isEqualTo(consent.id());
        String deviceCode = store.findConsent(consent.id()).orElseThrow().codeVerifier();

        keycloak.approve(device.verificationUriComplete(), "alice", "alice-pw");

        AccessToken token = completion.get(30, TimeUnit.SECONDS);
        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getStringClaim("preferred_username"))
                .isEqualTo("alice");
        assertThat(((TokenResult.Granted) broker.token(request)).token().value()).isEqualTo(token.value());
        assertThat(broker.grants("alice")).singleElement().satisfies(g -> assertThat(g.connectedAccount())
                .hasValueSatisfying(a -> assertThat(a.email()).isEqualTo("alice@example.com")));
        assertThat(auditedOnce(AuditEvent.Type.CONSENT_COMPLETED)).contains(AuditEvent.Type.CONSENT_REQUESTED,
                AuditEvent.Type.TOKEN_ISSUED, AuditEvent.Type.CONSENT_COMPLETED);
        assertThat(broker.redirectUri()).as("no callback needed").isEmpty();
        // Observed like any consent: the polls as token requests, the end as a completed consent.
        assertThat(meters.find("agentauth.token.request").tag("grant_type", "device_code").timer().count())
                .isGreaterThanOrEqualTo(1);
        assertThat(observed("completed")).isEqualTo(1);
        // The device code is a credential: never in a log line, the requirement or an event.
        logs.close();
        assertThat(logs.allLines()).isNotEmpty().noneMatch(l -> l.contains(deviceCode) || l.contains(token.value()));
        assertThat(consent.toString() + events).doesNotContain(deviceCode);
    }

    @Test
    void awaitTokenWhenTheUserApprovesThenItReturnsTheirTokenAndTheListenerSawTheCode() throws Exception {
        TokenBroker broker = broker("device-agent", "device-secret", null);
        List<ConsentRequirement> shown = new CopyOnWriteArrayList<>();
        CompletableFuture<AccessToken> awaited = CompletableFuture.supplyAsync(() -> broker.awaitToken(
                TokenRequest.forUser("sso", "bob"), shown::add, Duration.ofSeconds(60)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (shown.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        ConsentRequirement.DeviceCode device = shown.get(0).deviceCode().orElseThrow();
        keycloak.approve(device.verificationUriComplete(), "bob", "bob-pw");
        AccessToken token = awaited.get(30, TimeUnit.SECONDS);
        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getStringClaim("preferred_username"))
                .isEqualTo("bob");
    }

    @Test
    void consentWhenTheUserRefusesThenDenied() throws Exception {
        TokenBroker broker = broker("device-agent", "device-secret", null);
        ConsentRequirement consent = consentOf(broker.token(TokenRequest.forUser("sso", "alice", "profile")));
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());

        keycloak.deny(consent.deviceCode().orElseThrow().verificationUriComplete(), "alice", "alice-pw");

        assertThatThrownBy(() -> completion.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ConsentFailedException.class,
                        e -> assertThat(e.reason()).isEqualTo(ConsentFailedException.Reason.DENIED));
        assertThat(auditedOnce(AuditEvent.Type.CONSENT_DENIED)).contains(AuditEvent.Type.CONSENT_DENIED);
        assertThat(observed("denied")).isEqualTo(1);
    }

    @Test
    void consentWhenTheDeviceCodeExpiresBeforeApprovalThenExpired() {
        TokenBroker broker = broker("short-device-agent", "short-secret", null);
        ConsentRequirement consent = consentOf(broker.token(TokenRequest.forUser("sso", "alice")));
        CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());

        assertThatThrownBy(() -> completion.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ConsentFailedException.class,
                        e -> assertThat(e.reason()).isEqualTo(ConsentFailedException.Reason.EXPIRED));
        // A new request starts a new device authorization.
        assertThat(consentOf(broker.token(TokenRequest.forUser("sso", "alice"))).id()).isNotEqualTo(consent.id());
    }

    @Test
    void pollingWhenTheProviderSaysSlowDownThenTheIntervalGrowsByFiveSeconds() throws Exception {
        try (FlakyGateway gateway = FlakyGateway.to(URI.create(keycloak.issuer()))) {
            TokenBroker broker = broker("device-agent", "device-secret", gateway.url(keycloak.tokenPath()));
            gateway.answerNextWith(400, Map.of(), "{\"error\":\"slow_down\"}");
            ConsentRequirement consent = consentOf(broker.token(TokenRequest.forUser("sso", "alice", "email")));
            CompletableFuture<AccessToken> completion = broker.consentCompletion(consent.id());
            keycloak.approve(consent.deviceCode().orElseThrow().verificationUriComplete(), "alice", "alice-pw");

            assertThat(completion.get(30, TimeUnit.SECONDS).value()).isNotBlank();
            List<Long> polls = gateway.requestTimes();
            assertThat(polls).hasSizeGreaterThanOrEqualTo(2);
            assertThat(Duration.ofNanos(polls.get(1) - polls.get(0))).as("1 s interval + 5 s after slow_down")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(5_900));
        }
    }
}
