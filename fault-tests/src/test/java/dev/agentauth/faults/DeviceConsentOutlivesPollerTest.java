package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.core.testing.KeycloakServer;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.Replica;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Item 10 — a device authorization outlives its poller. On a real Keycloak (device grant, 1 s polling interval), A
 * starts alice's device consent and is SIGKILLed; alice approves on Keycloak. B, which never started the consent but
 * waits for it, must redeem the approval itself: its waiter completes and the grant is stored, within the polling
 * interval plus a lease. Keycloak starts for this class only.
 */
class DeviceConsentOutlivesPollerTest extends FaultTestBase {

    static final Duration BOUND = Duration.ofSeconds(20);
    static KeycloakServer keycloak;

    @BeforeAll
    static void servers() {
        useDatabase("faults_device");
        keycloak = KeycloakServer.shared();
    }

    ObjectNode deviceConfig() {
        ObjectNode c = config();
        c.remove("agent");
        c.putArray("providers").addObject().put("id", "sso").put("displayName", "Company SSO")
                .put("issuer", keycloak.issuer()).put("clientId", "device-agent").put("clientSecret", "device-secret")
                .put("device", true);
        return c;
    }

    @Test
    void deviceConsentStartedOnAWhenAIsKilledAndAliceApprovesThenBRedeemsTheApproval(TestInfo test) {
        Figures f = figures("10", test);
        Replica a = replica("A", deviceConfig());
        Replica b = replica("B", deviceConfig());
        JsonNode asked = a.call("token", "user", "alice", "provider", "sso");
        assertThat(outcome(asked)).as("a device consent: " + asked).isEqualTo("consent");
        assertThat(asked.path("userCode").asText()).isNotBlank();
        String consentId = asked.get("consentId").asText();
        CompletableFuture<JsonNode> onB = b.send("awaitConsent", "consentId", consentId,
                "timeoutMs", BOUND.toMillis() + 5_000);

        a.kill();
        keycloak.approve(URI.create(asked.get("verificationUriComplete").asText()), "alice", "alice-pw");
        long approvedAt = System.nanoTime();
        JsonNode waited = b.await(onB, BOUND.plusSeconds(30), "awaitConsent");
        long waitedMs = millisSince(approvedAt);
        long rows = count("SELECT COUNT(*) FROM agentauth_grant WHERE user_id = 'alice' AND provider = 'sso'");
        JsonNode tokenOnB = b.call("token", "user", "alice", "provider", "sso");

        f.put("intervalMs", asked.path("intervalMs").asLong()).put("waiterOnB", describe(waited))
                .put("waiterOnB_afterApproval_ms", waitedMs).put("grantRows", rows)
                .put("tokenOnB", outcome(tokenOnB));

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(outcome(waited)).as("B's waiter completes with alice's token: " + waited)
                .isEqualTo("granted");
        softly.assertThat(waitedMs).as("within the polling interval + lease bound").isLessThan(BOUND.toMillis());
        softly.assertThat(rows).as("the grant is stored").isEqualTo(1);
        softly.assertThat(outcome(tokenOnB)).as("B's token() then serves it").isEqualTo("granted");
        softly.assertAll();
    }
}
