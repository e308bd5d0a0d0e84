package dev.agentauth.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.rar.AuthorizationType;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.core.Approval;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.store.StoredInterrupt;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An interrupt waiting for an approval on the user's device, written to the interrupt store and read back by another
 * replica: the approval (binding message, details, summary) survives, so the replica's resume finds the call's
 * approval and its card is the same.
 */
class InterruptCodecApprovalTest {

    @Test
    void decodeWhenAnInterruptWaitsForAnApprovalThenTheReplicaReadsTheSameApprovalAndCard() {
        Approval approval = Approval.of("PAY-42EUR-bob", new AuthorizationDetail.Builder(
                        new AuthorizationType("payment_initiation")).field("creditorName", "bob")
                .field("instructedAmount", Map.of("currency", "EUR", "amount", "42.00")).build())
                .withSummary("Pay 42.00 EUR to bob");
        Principal alice = Principal.user("alice");
        ConsentRequirement consent = new ConsentRequirement(new ConsentId("c1"), ProviderId.of("bank"), "Bank",
                Scopes.of("openid"), new ConsentPrompt.Backchannel(approval, Duration.ofSeconds(2)),
                Instant.parse("2030-01-01T00:00:00Z"), alice);
        ToolCall call = new ToolCall("call-1", "pay", "{\"creditor\":\"bob\",\"amount\":\"42.00\"}");
        TurnJournals journals = new TurnJournals(java.time.Clock.systemUTC());
        InterruptRegistry.Interrupted state = new InterruptRegistry.Interrupted("i1", "t1", "memory", alice,
                List.of(call), journals.of("t1"), null);
        state.consentByCall.put(call.id(), consent);
        state.snapshot = new ConsentInterrupt("i1", "alice", alice.agent(), List.of(new ConsentInterrupt.Consent(
                "c1", "bank", "Bank", List.of("openid"), ConsentPrompt.Backchannel.NO_PAGE.toString(),
                consent.expiresAt(), List.of(), null, null, null, null, new ConsentInterrupt.Action(
                "PAY-42EUR-bob", "Pay 42.00 EUR to bob", approval.detailsJson()))),
                List.of(new ConsentInterrupt.WaitingToolCall(call.id(), "pay", "bank")), consent.expiresAt());

        InterruptCodec codec = new InterruptCodec();
        String payload = codec.encode(state);
        InterruptRegistry.Interrupted read = codec.decode(new StoredInterrupt("i1", "alice", alice.agent(),
                Instant.now(), consent.expiresAt(), payload), journals.of("t2"));

        assertThat(read.consentByCall.get(call.id()).prompt()).isInstanceOfSatisfying(ConsentPrompt.Backchannel.class,
                p -> {
                    assertThat(p.approval()).isEqualTo(approval);
                    assertThat(p.interval()).isEqualTo(Duration.ofSeconds(2));
                });
        assertThat(read.snapshot).isEqualTo(state.snapshot);
        assertThat(read.snapshot.consents().get(0).prompt()).isEqualTo("backchannel");
    }
}
