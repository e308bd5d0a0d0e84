package dev.agentauth.agent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentMode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A streaming agent of the adapter's: a tool needing consent ends the stream with the interrupt (memory valid, the
 * interrupt stored), resume streams the continued answer in several chunks that make up the whole text, a decline
 * streams the model's answer to it, and once connected the user's turns stream with no interrupt.
 *
 * <p>Extend it with a {@code harness()} returning the adapter's {@link AgentHarness}. Its tests block on the agents
 * and may start threads of their own; see {@link AgentContract}.
 *
 * @since 0.3.0
 */
public abstract class StreamingContract extends AgentContract {

    TestAgent streamingAgent() {
        return agent(broker(), ConsentMode.INTERRUPT, true, consent -> { }, Duration.ofSeconds(20), null);
    }

    @Test
    public void streamWhenAToolNeedsConsentThenTheStreamEndsWithTheInterruptAndResumeStreamsTheAnswer() {
        TestAgent a = streamingAgent();

        ConsentInterrupt interrupt = a.interrupted("nora", "s-nora", LIST);

        assertThat(interrupt.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::toolName)
                .containsExactly(ContractTools.LIST_NOTES);
        assertThat(a.agent.pendingInterrupts("nora")).extracting(ConsentInterrupt::id).containsExactly(interrupt.id());
        assertEveryToolCallAnswered(a.memory("s-nora"));

        authorize(interrupt, "nora");
        Reply continued = a.agent.resume(interrupt.id(), "nora");

        String expected = answer(ContractTools.LIST_NOTES, notesOf("nora"));
        assertStreamed(continued, expected);
        assertThat(a.tools.runs()).singleElement().satisfies(r -> assertThat(subject(r.token())).isEqualTo("nora"));
        assertThat(a.agent.pendingInterrupts("nora")).isEmpty();
        List<NeutralMessage> memory = a.memory("s-nora");
        assertEveryToolCallAnswered(memory);
        assertThat(said(memory, LIST)).isEqualTo(1);
        assertThat(memory.get(memory.size() - 1)).isEqualTo(new NeutralMessage.Assistant(expected, List.of()));

        // connected: the next turn streams with no interrupt
        assertStreamed(a.agent.send("nora", "s-nora", LIST), expected);
        assertThat(a.tools.runs(ContractTools.LIST_NOTES)).isEqualTo(2);
    }

    @Test
    public void streamWhenTheUserDeclinesThenTheModelsAnswerToItIsStreamed() {
        TestAgent a = streamingAgent();
        ConsentInterrupt interrupt = a.interrupted("owen", "s-owen", LIST);

        Reply declined = a.agent.decline(interrupt.id(), "owen");

        assertThat(declined.chunks()).as("streamed").hasSizeGreaterThan(1);
        assertThat(String.join("", declined.chunks())).isEqualTo(declined.text());
        assertThat(declined.text()).contains("The user declined to authorize " + ContractTools.PROVIDER_DISPLAY_NAME);
        assertThat(a.tools.runs()).isEmpty();
        assertEveryToolCallAnswered(a.memory("s-owen"));
    }

    private static void assertStreamed(Reply reply, String expected) {
        assertThat(reply.text()).isEqualTo(expected);
        assertThat(reply.chunks()).as("streamed in chunks").hasSizeGreaterThan(3);
        assertThat(String.join("", reply.chunks())).as("the chunks make up the answer").isEqualTo(expected);
    }
}
