package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.KeycloakServer;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.langchain4j.agent.tool.Tool;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A headless agent's consent through the device authorization grant, against a real Keycloak: the interrupt's JSON
 * (and the blocking mode's listener) carries the user code and where to enter it; once the user approved, the turn
 * resumes with their token. No redirect URI anywhere.
 */
class DeviceCodeConsentTest extends AgentToolsTestBase {

    public static class DirectoryTools {
        @Tool("Who am I in the company directory")
        @AuthenticatedTool(provider = "sso")
        public String whoAmI(ToolCredential credential) throws java.text.ParseException {
            return "signed in as " + SignedJWT.parse(credential.value()).getJWTClaimsSet()
                    .getStringClaim("preferred_username");
        }
    }

    final List<TokenBroker> brokers = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeBrokers() {
        brokers.forEach(TokenBroker::close);
    }

    AuthenticatedAgent.Builder deviceAgent(KeycloakServer keycloak) {
        TokenBroker b = TokenBroker.builder().provider(Provider.oauth2("sso").displayName("Company SSO")
                .issuer(keycloak.issuer()).clientId("device-agent").clientSecret("device-secret")
                .defaultScopes("openid").deviceAuthorization(true).build()).build();
        brokers.add(b);
        return AuthenticatedAgent.builder().broker(b).tools(new DirectoryTools()).chatModel(new ScriptedChatModel(
                Map.of("who am i", List.of(new ScriptedChatModel.Call("whoAmI", "{}")))));
    }

    @Test
    void interruptWhenTheProviderUsesDeviceCodesThenTheCardCarriesTheCodeAndResumeRunsWithTheUsersToken()
            throws Exception {
        KeycloakServer keycloak = KeycloakServer.shared();
        AuthenticatedAgent agent = deviceAgent(keycloak).build();
        Assistant assistant = agent.aiService(Assistant.class);

        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("device", "who am i", as("alice"))).interrupt();
        ConsentInterrupt.Consent consent = interrupt.consents().get(0);
        assertThat(consent.deviceCode()).isTrue();
        assertThat(consent.prompt()).isEqualTo("device");
        assertThat(interrupt.toJson()).contains("\"prompt\":\"device\"");
        assertThat(consent.userCode()).matches("[A-Z]{4}-[A-Z]{4}");
        assertThat(consent.verificationUri()).isEqualTo(keycloak.issuer() + "/device");
        JsonNode json = new ObjectMapper().readTree(interrupt.toJson()).path("consents").get(0);
        assertThat(json.path("userCode").asText()).isEqualTo(consent.userCode());
        assertThat(json.path("verificationUriComplete").asText()).contains(consent.userCode());
        assertThat(interrupt.toJson()).doesNotContain("device_code");
        assertThat(ConsentInterrupt.fromJson(interrupt.toJson())).isEqualTo(interrupt);

        keycloak.approve(URI.create(consent.verificationUriComplete()), "alice", "alice-pw");
        agent.interrupt(interrupt.id()).orElseThrow();
        String answer = resumeOnceApproved(agent, interrupt.id(), "alice");

        assertThat(answer).isEqualTo("Answer: whoAmI -> signed in as alice");
        assertEveryToolCallAnswered(agent.chatMemory("device").messages());
    }

    /** The UI's "I approved" button: a resume before the broker's next poll answers CONSENT_PENDING. */
    static String resumeOnceApproved(AuthenticatedAgent agent, String interruptId, String user) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return agent.resume(interruptId, user);
            } catch (ResumeRejectedException e) {
                if (e.reason() != ResumeRejectedException.Reason.CONSENT_PENDING || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    @Test
    void blockingToolCallWhenTheProviderUsesDeviceCodesThenTheListenerShowsTheCodeAndTheCallWaitsForApproval()
            throws Exception {
        KeycloakServer keycloak = KeycloakServer.shared();
        List<ConsentRequirement> shown = new CopyOnWriteArrayList<>();
        AuthenticatedAgent agent = deviceAgent(keycloak).consentMode(ConsentMode.BLOCKING)
                .blockingTimeout(Duration.ofSeconds(60)).consentListener(shown::add).build();
        Assistant assistant = agent.aiService(Assistant.class);

        CompletableFuture<String> answer = CompletableFuture.supplyAsync(
                () -> assistant.chat("device-blocking", "who am i", as("bob")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (shown.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        ConsentPrompt.DeviceCode device = (ConsentPrompt.DeviceCode) shown.get(0).prompt();
        keycloak.approve(device.verificationUriComplete(), "bob", "bob-pw");

        assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo("Answer: whoAmI -> signed in as bob");
    }
}
