package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentId;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** "Not now" on the consent card: the pending consent ends as declined, and the turn goes on without the tool. */
class DeclineTest extends AgentToolsTestBase {

    @Test
    void declineWhenTheUserSaysNotNowThenTheToolReportsItAndTheTurnContinues() throws Exception {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = agent(model);
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("d", "list my notes", as("olga"))).interrupt();
        ConsentId consent = new ConsentId(interrupt.consents().get(0).consentId());

        // Someone else cannot decline olga's interrupt.
        assertThat(catchThrowableOfType(ResumeRejectedException.class, () -> agent.decline(interrupt.id(), "mallory"))
                .reason()).isEqualTo(ResumeRejectedException.Reason.WRONG_USER);

        String answer = agent.decline(interrupt.id(), "olga");

        assertThat(answer).contains("The user declined to authorize Corp Notes");
        assertThat(tools.listRuns).hasValue(0);
        assertEveryToolCallAnswered(agent.chatMemory("d").messages());
        ExecutionException waiting = catchThrowableOfType(ExecutionException.class,
                () -> broker.consentCompletion(consent).get(5, TimeUnit.SECONDS));
        assertThat(waiting.getCause()).isInstanceOfSatisfying(ConsentFailedException.class,
                f -> assertThat(f.reason()).isEqualTo(ConsentFailedException.Reason.DENIED));
        assertThat(events).anyMatch(e -> e.type() == AuditEvent.Type.CONSENT_DENIED && "declined".equals(e.detail()));
        // Its state is spent: the sign-in link no longer completes anything, and the interrupt is gone.
        assertThat(browser.authorize(URI.create(interrupt.consents().get(0).authorizationUrl()), "olga").body())
                .doesNotContain("You can close this window and return to the agent");
        assertThat(broker.declineConsent(consent, "olga")).isFalse();
        assertThat(catchThrowableOfType(ResumeRejectedException.class, () -> agent.decline(interrupt.id(), "olga"))
                .reason()).isEqualTo(ResumeRejectedException.Reason.UNKNOWN);
    }
}
