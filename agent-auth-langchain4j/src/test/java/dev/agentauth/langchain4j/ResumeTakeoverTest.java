package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRecovery;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.store.InterruptClaim;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A resume whose replica died: its lease runs out and the next resume takes over, with the progress the dead one
 * recorded. A call it finished is answered with its recorded result and never run again; the call it had in flight
 * is not run again by default (at most once: the model is told its outcome is unknown) or is, when the agent says
 * its tools are idempotent (at least once). The dead replica is simulated by a claim that is never renewed, and time
 * by the agent's clock.
 */
class ResumeTakeoverTest extends AgentToolsTestBase {

    final InterruptStore store = InterruptStore.inMemory();

    AuthenticatedAgent replica(ScriptedChatModel model, ResumeRecovery recovery) {
        return AuthenticatedAgent.builder().broker(broker).chatModel(model).tools(tools).clock(clock)
                .interruptStore(store).resumeRecovery(recovery).resumeLease(Duration.ofSeconds(30)).build();
    }

    /** An interrupt raised and authorized, then claimed by a replica that recorded {@code progress} and died. */
    ConsentInterrupt diedMidResume(AuthenticatedAgent agent, String progress) {
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("takeover", "list my notes", as("alice"))).interrupt();
        authorizeAll(interrupt, "alice");
        InterruptClaim dead = store.claimInterrupt(interrupt.id(), "dead-replica", clock.instant(),
                clock.instant().plusSeconds(30)).orElseThrow();
        store.renewInterrupt(dead, clock.instant().plusSeconds(30), progress);
        return interrupt;
    }

    static String callId(ConsentInterrupt interrupt) {
        return interrupt.waitingToolCalls().get(0).id();
    }

    @Test
    void resumeWhileTheDeadReplicasLeaseRunsThenInProgressAfterItAtMostOnce() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        agent(model);
        AuthenticatedAgent b = replica(model, ResumeRecovery.AT_MOST_ONCE);
        ConsentInterrupt interrupt = diedMidResume(b, null);
        String call = callId(interrupt);

        assertThatThrownBy(() -> b.resume(interrupt.id(), "alice")).isInstanceOfSatisfying(
                ResumeRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ResumeRejectedException.Reason.IN_PROGRESS);
                    assertThat(e.retryable()).isTrue();
                });
        assertThat(b.pendingInterrupts("alice")).as("no card while it is being resumed").isEmpty();

        clock.advance(Duration.ofSeconds(31));
        assertThat(b.pendingInterrupts("alice")).as("its card is back once the lease ran out")
                .extracting(ConsentInterrupt::id).containsExactly(interrupt.id());
        // The dead replica had started the call and recorded nothing more.
        InterruptClaim second = store.claimInterrupt(interrupt.id(), "dead-again", clock.instant(),
                clock.instant().plusSeconds(30)).orElseThrow();
        store.renewInterrupt(second, clock.instant().plusSeconds(30), "{\"started\":[\"" + call + "\"]}");
        clock.advance(Duration.ofSeconds(31));

        assertThat(b.<String>resume(interrupt.id(), "alice")).isNotBlank();
        assertThat(tools.listRuns).as("the call in flight is not run again").hasValue(0);
        assertThat(resultOf(model, call)).isEqualTo(resumerUnknownOutcome());
        assertThat(store.findInterrupt(interrupt.id()).orElseThrow().state()).isEqualTo(StoredInterrupt.State.DONE);
    }

    @Test
    void takeoverWhenTheCallWasInFlightAndToolsAreIdempotentThenRunAgain() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        agent(model);
        AuthenticatedAgent b = replica(model, ResumeRecovery.AT_LEAST_ONCE);
        ConsentInterrupt interrupt = diedMidResume(b, null);
        String call = callId(interrupt);
        clock.advance(Duration.ofSeconds(31));
        InterruptClaim dead = store.claimInterrupt(interrupt.id(), "dead", clock.instant(),
                clock.instant().plusSeconds(30)).orElseThrow();
        store.renewInterrupt(dead, clock.instant().plusSeconds(30), "{\"started\":[\"" + call + "\"]}");
        clock.advance(Duration.ofSeconds(31));

        assertThat(b.<String>resume(interrupt.id(), "alice")).contains("notes of alice");
        assertThat(tools.listRuns).hasValue(1);
    }

    @Test
    void takeoverWhenTheCallHadFinishedThenItsRecordedResultIsUsedAndNothingRunsAgain() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        agent(model);
        AuthenticatedAgent b = replica(model, ResumeRecovery.AT_LEAST_ONCE);
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> b.aiService(Assistant.class).chat("takeover", "list my notes", as("alice"))).interrupt();
        authorizeAll(interrupt, "alice");
        String call = callId(interrupt);
        InterruptClaim dead = store.claimInterrupt(interrupt.id(), "dead", clock.instant(),
                clock.instant().plusSeconds(30)).orElseThrow();
        store.renewInterrupt(dead, clock.instant().plusSeconds(30), "{\"started\":[\"" + call + "\"],\"done\":{\""
                + call + "\":{\"text\":\"recorded notes of alice\",\"isError\":false}}}");
        clock.advance(Duration.ofSeconds(31));

        b.resume(interrupt.id(), "alice");
        assertThat(tools.listRuns).hasValue(0);
        assertThat(resultOf(model, call)).isEqualTo("recorded notes of alice");
        assertThatThrownBy(() -> b.resume(interrupt.id(), "alice")).isInstanceOfSatisfying(
                ResumeRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(ResumeRejectedException.Reason.UNKNOWN));
    }

    static String resumerUnknownOutcome() {
        return "This call was started, but the server running it stopped before it finished. It was not run again,"
                + " so that it cannot act twice, and whether it took effect is unknown. Tell the user, and check"
                + " before trying it again.";
    }

    /** The result the model was last sent for tool call {@code id}. */
    static String resultOf(ScriptedChatModel model, String id) {
        List<ChatMessage> last = model.requests().get(model.requests().size() - 1).messages();
        return last.stream().filter(m -> m instanceof ToolExecutionResultMessage r && r.id().equals(id))
                .map(m -> ((ToolExecutionResultMessage) m).text()).reduce((x, y) -> y).orElseThrow();
    }
}
