package dev.agentauth.springai;

import static dev.agentauth.springai.SpringAiTestBase.assertEveryToolCallAnswered;
import static dev.agentauth.springai.SpringAiTestBase.chat;
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
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.Approval;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.CibaDevice;
import dev.agentauth.core.testing.KeycloakServer;
import dev.agentauth.springai.testing.ScriptedChatModel;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.tool.annotation.Tool;

/**
 * A Spring AI {@code @Tool} whose every call its user approves on their own device, as exactly that action (OpenID
 * CIBA with RFC 9396 authorization details), through {@link AuthenticatedChatClient} against a real Keycloak and its
 * test device: the interrupt's card says what to approve; once approved, the resumed call runs with a token that
 * carries the action; a refusal on the device reaches the model and the turn goes on; blocking mode waits for the
 * device. No approved token stays in the store.
 */
class SpringAiApprovalToolTest {

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
            return Approval.of("SPAY-" + a.amount() + "EUR-" + a.creditor(),
                    new AuthorizationDetail.Builder(new AuthorizationType("payment_initiation"))
                            .field("instructedAmount", Map.of("currency", "EUR", "amount", a.amount()))
                            .field("creditorName", a.creditor()).build())
                    .withSummary("Pay " + a.amount() + " EUR to " + a.creditor());
        }
    }

    /** A Spring AI tool: the approved token is injected, and read back to show what it carries. */
    public static class BankTools {
        final java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();

        @Tool(description = "Pay someone in euros")
        @AuthenticatedTool(provider = "bank", approval = PaymentApproval.class)
        public String pay(@InjectToken String token, String creditor, String amount) throws ParseException {
            runs.incrementAndGet();
            Object details = SignedJWT.parse(token).getJWTClaimsSet().getClaim("authorization_details");
            return "paid " + amount + " EUR to " + creditor + " under " + details;
        }
    }

    final List<TokenBroker> brokers = new CopyOnWriteArrayList<>();
    final TokenStore store = TokenStore.inMemory();
    final ChatMemory memory = MessageWindowChatMemory.builder().maxMessages(100).build();
    final BankTools tools = new BankTools();

    @AfterEach
    void closeBrokers() {
        brokers.forEach(TokenBroker::close);
    }

    AuthenticatedChatClient.Builder bankAgent(String creditor, String amount) {
        KeycloakServer keycloak = KeycloakServer.shared();
        TokenBroker b = TokenBroker.builder().provider(Provider.oauth2("bank").displayName("Bank")
                        .issuer(keycloak.issuer()).clientId("approval-agent").clientSecret("approval-secret")
                        .defaultScopes("openid").backchannelAuthentication(true).build())
                .expectedAccount((principal, provider) -> Optional.of(principal.user())).tokenStore(store).build();
        brokers.add(b);
        return AuthenticatedChatClient.builder().broker(b).tools(tools).chatMemory(memory)
                .chatModel(new ScriptedChatModel(Map.of("pay", List.of(new ScriptedChatModel.Call("pay",
                        "{\"creditor\":\"" + creditor + "\",\"amount\":\"" + amount + "\"}")))));
    }

    /** Resumes as soon as the device has answered (the resume is refused while the approval is pending). */
    static String resumeOnceAnswered(AuthenticatedChatClient agent, String interruptId, String user)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return agent.resume(interruptId, user).content();
            } catch (ResumeRejectedException e) {
                if (e.reason() != ResumeRejectedException.Reason.CONSENT_PENDING || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    @Test
    void interruptWhenAToolAsksApprovalThenTheCardShowsTheActionAndResumeRunsWithItsToken() throws Exception {
        KeycloakServer.shared().device().answer("SPAY-5.00EUR-bob", CibaDevice.Decision.APPROVE);
        AuthenticatedChatClient agent = bankAgent("bob", "5.00").build();

        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "alice", "approve", "pay")).interrupt();
        assertThat(tools.runs).hasValue(0);
        ConsentInterrupt.Consent consent = interrupt.consents().get(0);
        assertThat(consent.prompt()).isEqualTo("backchannel");
        assertThat(consent.action().bindingMessage()).isEqualTo("SPAY-5.00EUR-bob");
        assertThat(consent.action().summary()).isEqualTo("Pay 5.00 EUR to bob");
        JsonNode json = new ObjectMapper().readTree(interrupt.toJson()).path("consents").get(0);
        assertThat(json.path("prompt").asText()).isEqualTo("backchannel");
        assertThat(json.path("action").asText()).isEqualTo("Pay 5.00 EUR to bob");
        assertThat(json.path("authorizationDetails").get(0).path("creditorName").asText()).isEqualTo("bob");
        assertThat(ConsentInterrupt.fromJson(interrupt.toJson())).isEqualTo(interrupt);
        assertEveryToolCallAnswered(memory.get("approve"));

        String answer = resumeOnceAnswered(agent, interrupt.id(), "alice");

        assertThat(answer).startsWith("Answer: pay -> \"paid 5.00 EUR to bob under ").contains("creditorName=bob");
        assertThat(tools.runs).hasValue(1);
        assertEveryToolCallAnswered(memory.get("approve"));
        assertNoApprovedTokenStored();
    }

    @Test
    void resumeWhenTheUserDeclinesOnTheirDeviceThenTheModelHearsTheRefusalAndTheTurnGoesOn() throws Exception {
        KeycloakServer.shared().device().answer("SPAY-900EUR-mallory", CibaDevice.Decision.DENY);
        AuthenticatedChatClient agent = bankAgent("mallory", "900").build();
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "alice", "decline", "pay")).interrupt();

        String answer = resumeOnceAnswered(agent, interrupt.id(), "alice");

        assertThat(answer).startsWith("Answer: pay -> ")
                .contains("The user declined the action (Pay 900 EUR to mallory) on their device");
        assertThat(tools.runs).hasValue(0);
        assertEveryToolCallAnswered(memory.get("decline"));
        assertThat(agent.pendingInterrupts("alice")).isEmpty();
    }

    @Test
    void blockingToolCallWhenItAsksApprovalThenItWaitsForTheDeviceAndRunsWithTheApprovedToken() throws Exception {
        KeycloakServer.shared().device().answer("SPAY-12EUR-carol", CibaDevice.Decision.APPROVE);
        List<ConsentRequirement> shown = new CopyOnWriteArrayList<>();
        AuthenticatedChatClient agent = bankAgent("carol", "12").consentMode(ConsentMode.BLOCKING)
                .blockingTimeout(Duration.ofSeconds(30)).consentListener(shown::add).build();

        String answer = CompletableFuture.supplyAsync(() -> chat(agent, "alice", "blocking", "pay"))
                .get(60, TimeUnit.SECONDS);

        assertThat(shown).singleElement().satisfies(c -> assertThat(c.prompt())
                .isInstanceOfSatisfying(ConsentPrompt.Backchannel.class,
                        p -> assertThat(p.approval().summary()).isEqualTo("Pay 12 EUR to carol")));
        assertThat(answer).startsWith("Answer: pay -> \"paid 12 EUR to carol under ");
        assertNoApprovedTokenStored();
    }

    /** The call took its approval's token: the row kept for other replicas is gone. */
    void assertNoApprovedTokenStored() {
        assertThat(store.findByUser("alice")).as("approved tokens in the store")
                .noneSatisfy(g -> assertThat(g.key().flow()).isEqualTo(Flow.USER_APPROVAL));
    }
}
