package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.rar.AuthorizationType;
import dev.agentauth.agent.ActionApproval;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.core.Approval;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.CibaDevice;
import dev.agentauth.core.testing.KeycloakServer;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.langchain4j.agent.tool.Tool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A tool whose every call its user approves on their own device, as exactly that action (OpenID CIBA with RFC 9396
 * authorization details), against a real Keycloak and its test device: the interrupt's card says what to approve; once
 * approved, the resumed call runs with a token that carries the action; a refusal reaches the model and the turn goes
 * on; blocking mode waits for the device.
 */
class ApprovalToolTest extends AgentToolsTestBase {

    /** The tool author's mapping: the call's arguments, typed, to the action the user approves. */
    public static final class PaymentApproval implements ActionApproval<PaymentApproval.Args> {
        public record Args(String creditor, String amount) {
        }

        @Override
        public Class<Args> argumentsType() {
            return Args.class;
        }

        @Override
        public Approval approval(Args a) {
            return Approval.of("PAY-" + a.amount() + "EUR-" + a.creditor(),
                    new AuthorizationDetail.Builder(new AuthorizationType("payment_initiation"))
                            .field("instructedAmount", Map.of("currency", "EUR", "amount", a.amount()))
                            .field("creditorName", a.creditor()).build())
                    .withSummary("Pay " + a.amount() + " EUR to " + a.creditor());
        }
    }

    public static class BankTools {
        @Tool("Pay someone in euros")
        @AuthenticatedTool(provider = "bank", approval = PaymentApproval.class)
        public String pay(@InjectToken String token, String creditor, String amount) throws java.text.ParseException {
            Object details = SignedJWT.parse(token).getJWTClaimsSet().getClaim("authorization_details");
            return "paid " + amount + " EUR to " + creditor + " under " + details;
        }
    }

    final List<TokenBroker> brokers = new CopyOnWriteArrayList<>();
    final TokenStore store = TokenStore.inMemory();

    @AfterEach
    void closeBrokers() {
        brokers.forEach(TokenBroker::close);
    }

    AuthenticatedAgent.Builder bankAgent(KeycloakServer keycloak, String creditor, String amount) {
        TokenBroker b = TokenBroker.builder().provider(Provider.oauth2("bank").displayName("Bank")
                        .issuer(keycloak.issuer()).clientId("approval-agent").clientSecret("approval-secret")
                        .defaultScopes("openid").backchannelAuthentication(true).build())
                .expectedAccount((principal, provider) -> Optional.of(principal.user())).tokenStore(store).build();
        brokers.add(b);
        return AuthenticatedAgent.builder().broker(b).tools(new BankTools()).chatModel(new ScriptedChatModel(
                Map.of("pay", List.of(new ScriptedChatModel.Call("pay", "{\"creditor\":\"" + creditor
                        + "\",\"amount\":\"" + amount + "\"}")))));
    }

    @Test
    void interruptWhenAToolAsksApprovalThenTheCardShowsTheActionAndResumeRunsWithItsToken() throws Exception {
        KeycloakServer keycloak = KeycloakServer.shared();
        keycloak.device().answer("PAY-5.00EUR-bob", CibaDevice.Decision.APPROVE);
        AuthenticatedAgent agent = bankAgent(keycloak, "bob", "5.00").build();
        Assistant assistant = agent.aiService(Assistant.class);

        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("approve", "pay", as("alice"))).interrupt();
        ConsentInterrupt.Consent consent = interrupt.consents().get(0);
        assertThat(consent.prompt()).isEqualTo("backchannel");
        assertThat(consent.action().bindingMessage()).isEqualTo("PAY-5.00EUR-bob");
        assertThat(consent.action().summary()).isEqualTo("Pay 5.00 EUR to bob");
        JsonNode json = new ObjectMapper().readTree(interrupt.toJson()).path("consents").get(0);
        assertThat(json.path("prompt").asText()).isEqualTo("backchannel");
        assertThat(json.path("action").asText()).isEqualTo("Pay 5.00 EUR to bob");
        assertThat(json.path("authorizationDetails").get(0).path("creditorName").asText()).isEqualTo("bob");
        assertThat(ConsentInterrupt.fromJson(interrupt.toJson())).isEqualTo(interrupt);

        String answer = DeviceCodeConsentTest.resumeOnceApproved(agent, interrupt.id(), "alice");

        assertThat(answer).startsWith("Answer: pay -> paid 5.00 EUR to bob under ").contains("creditorName=bob");
        assertEveryToolCallAnswered(agent.chatMemory("approve").messages());
        assertNoApprovedTokenStored();
    }

    @Test
    void resumeWhenTheUserDeclinesOnTheirDeviceThenTheModelHearsTheRefusalAndTheTurnGoesOn() throws Exception {
        KeycloakServer keycloak = KeycloakServer.shared();
        keycloak.device().answer("PAY-900EUR-mallory", CibaDevice.Decision.DENY);
        AuthenticatedAgent agent = bankAgent(keycloak, "mallory", "900").build();
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("decline", "pay", as("alice"))).interrupt();

        String answer = DeviceCodeConsentTest.resumeOnceApproved(agent, interrupt.id(), "alice");

        assertThat(answer).contains("The user declined the action (Pay 900 EUR to mallory) on their device");
        assertEveryToolCallAnswered(agent.chatMemory("decline").messages());
    }

    @Test
    void blockingToolCallWhenItAsksApprovalThenItWaitsForTheDeviceAndRunsWithTheApprovedToken() throws Exception {
        KeycloakServer keycloak = KeycloakServer.shared();
        keycloak.device().answer("PAY-12EUR-carol", CibaDevice.Decision.APPROVE);
        List<ConsentRequirement> shown = new CopyOnWriteArrayList<>();
        AuthenticatedAgent agent = bankAgent(keycloak, "carol", "12").consentMode(ConsentMode.BLOCKING)
                .blockingTimeout(Duration.ofSeconds(30)).consentListener(shown::add).build();
        Assistant assistant = agent.aiService(Assistant.class);

        String answer = CompletableFuture.supplyAsync(() -> assistant.chat("blocking", "pay", as("alice")))
                .get(60, TimeUnit.SECONDS);

        assertThat(shown).singleElement().satisfies(c -> assertThat(c.prompt())
                .isInstanceOfSatisfying(ConsentPrompt.Backchannel.class,
                        p -> assertThat(p.approval().summary()).isEqualTo("Pay 12 EUR to carol")));
        assertThat(answer).startsWith("Answer: pay -> paid 12 EUR to carol under ");
        assertNoApprovedTokenStored();
    }

    @Test
    void tellModelWhenTheModelRetriesTheSameCallThenItTakesThePendingApprovalAndAsksTheDeviceOnce() throws Exception {
        KeycloakServer keycloak = KeycloakServer.shared();
        AuthenticatedAgent agent = bankAgent(keycloak, "dave", "7").consentMode(ConsentMode.TELL_MODEL).build();
        Assistant assistant = agent.aiService(Assistant.class);

        assertThat(assistant.chat("tell", "pay", as("alice"))).contains("Approval needed")
                .contains("PAY-7EUR-dave").contains("call this tool again with the same arguments");
        keycloak.device().awaitRequest("PAY-7EUR-dave");
        assertThat(assistant.chat("tell", "pay", as("alice"))).as("the user has not answered yet")
                .contains("Still waiting").contains("Pay 7 EUR to dave");

        keycloak.device().answerNow("PAY-7EUR-dave", CibaDevice.Decision.APPROVE);
        String answer = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!answer.contains("paid") && System.nanoTime() < deadline) {
            Thread.sleep(500);
            answer = assistant.chat("tell", "pay", as("alice"));
        }

        assertThat(answer).startsWith("Answer: pay -> paid 7 EUR to dave under ").contains("creditorName=dave");
        assertThat(keycloak.device().requests()).filteredOn(r -> r.bindingMessage().equals("PAY-7EUR-dave"))
                .as("one backchannel request for the call and its retries").hasSize(1);
        assertEveryToolCallAnswered(agent.chatMemory("tell").messages());
        assertNoApprovedTokenStored();
        assertThat(assistant.chat("tell", "pay", as("alice"))).as("a new action after it ran: a new approval")
                .contains("Approval needed");
    }

    /** The call took its approval's token: the row kept for other replicas is gone. */
    void assertNoApprovedTokenStored() {
        assertThat(store.findByUser("alice")).as("approved tokens in the store")
                .noneSatisfy(g -> assertThat(g.key().flow()).isEqualTo(Flow.USER_APPROVAL));
    }
}
