package dev.agentauth.agent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentMode;
import dev.agentauth.core.ConsentRequirement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The consent modes besides the interrupt, against the adapter: {@link ConsentMode#BLOCKING} tells the consent
 * listener and waits inside the tool call while the user signs in, then completes the turn with no interrupt — or
 * tells the model once the wait times out; {@link ConsentMode#TELL_MODEL} answers the tool call with a request to
 * authorize.
 *
 * <p>Extend it with a {@code harness()} returning the adapter's {@link AgentHarness}. Its tests block on the agents
 * and may start threads of their own; see {@link AgentContract}.
 *
 * @since 0.3.0
 */
public abstract class ConsentModesContract extends AgentContract {

    @Test
    public void blockingWhenTheUserSignsInWhileTheToolWaitsThenTheTurnCompletesWithoutAnInterrupt() {
        List<ConsentRequirement> told = new CopyOnWriteArrayList<>();
        TestAgent a = agent(broker(), ConsentMode.BLOCKING, false, consent -> {
            told.add(consent);
            Thread signIn = new Thread(() -> browser.authorize(consent.authorizationUri(), "kate"), "kate-signs-in");
            signIn.setDaemon(true);
            signIn.start();
        }, Duration.ofSeconds(30), null);

        Reply reply = a.agent.send("kate", "c-kate", LIST);

        assertThat(reply.text()).isEqualTo(answer(ContractTools.LIST_NOTES, notesOf("kate")));
        assertThat(told).as("the listener was told once").singleElement()
                .satisfies(c -> assertThat(c.principal().user()).isEqualTo("kate"));
        assertThat(a.tools.runs()).singleElement().satisfies(r -> assertThat(subject(r.token())).isEqualTo("kate"));
        assertThat(a.agent.pendingInterrupts("kate")).isEmpty();
        assertEveryToolCallAnswered(a.memory("c-kate"));
    }

    @Test
    public void blockingWhenNobodySignsInThenTheModelIsToldOnceTheWaitTimesOut() {
        List<ConsentRequirement> told = new CopyOnWriteArrayList<>();
        TestAgent a = agent(broker(), ConsentMode.BLOCKING, false, told::add, Duration.ofSeconds(1), null);

        Reply reply = a.agent.send("liam", "c-liam", LIST);

        assertThat(reply.text()).contains("did not authorize " + ContractTools.PROVIDER_DISPLAY_NAME);
        assertThat(told).hasSize(1);
        assertThat(a.tools.runs()).isEmpty();
        assertThat(a.agent.pendingInterrupts("liam")).isEmpty();
        assertEveryToolCallAnswered(a.memory("c-liam"));
    }

    @Test
    public void tellTheModelWhenNoTokenThenTheToolResultAsksTheUserToAuthorize() {
        TestAgent a = agent(broker(), ConsentMode.TELL_MODEL, false, consent -> { }, Duration.ofSeconds(20), null);

        Reply reply = a.agent.send("mia", "c-mia", LIST);

        assertThat(reply.text()).contains("mia has not connected " + ContractTools.PROVIDER_DISPLAY_NAME,
                fixtures.idp.authorizationEndpoint());
        assertThat(a.tools.runs()).isEmpty();
        assertThat(a.agent.pendingInterrupts("mia")).isEmpty();
        assertEveryToolCallAnswered(a.memory("c-mia"));
    }
}
