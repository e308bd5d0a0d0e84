package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.Approval;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The demo's approval tool without an identity provider: what a payment's arguments become (the action the user
 * approves, in words for the card), and how the terminal chat shows it. End to end on Keycloak, the same mapping runs
 * in {@code ApprovalToolTest} (agent-auth-langchain4j).
 */
class PaymentToolsTest {

    @Test
    void approvalWhenAPaymentIsAskedThenTheActionInWordsAndAKeycloakSafeBindingMessage() {
        Approval approval = new PaymentTools.PaymentApproval().approval(new PaymentTools.PaymentApproval.Args("bob",
                "5"));

        assertThat(approval.summary()).isEqualTo("Pay 5 EUR to bob");
        assertThat(approval.bindingMessage()).isEqualTo("PAY-5EUR-bob").matches("[a-zA-Z0-9-._+/!?#]{1,50}");
        assertThat(approval.details()).singleElement().satisfies(d -> {
            assertThat(d.getType().getValue()).isEqualTo("payment_initiation");
            assertThat(d.getStringField("creditorName")).isEqualTo("bob");
        });
        assertThatThrownBy(() -> new PaymentTools.PaymentApproval().approval(new PaymentTools.PaymentApproval.Args(
                "bob; drop", "5"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void consentToApproveWhenShownInTheTerminalThenTheActionAndTheBindingMessageAndNoLink() {
        Approval approval = new PaymentTools.PaymentApproval().approval(new PaymentTools.PaymentApproval.Args("bob",
                "5"));
        ConsentRequirement consent = new ConsentRequirement(new ConsentId("c1"), ProviderId.of("bank"), "Bank",
                Scopes.of("openid"), new ConsentPrompt.Backchannel(approval, Duration.ofSeconds(2)),
                Instant.now().plusSeconds(60), Principal.user("alice"));

        assertThat(CliChat.describe(consent, false)).contains("Bank asks you to approve: Pay 5 EUR to bob",
                "approve on your device: PAY-5EUR-bob").doesNotContain("urn:");
    }
}
