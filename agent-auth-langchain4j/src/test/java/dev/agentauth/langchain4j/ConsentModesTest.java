package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentMode;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import org.junit.jupiter.api.Test;

/** The other consent modes: blocking until the user authorizes, and telling the model. */
class ConsentModesTest extends AgentToolsTestBase {

    @Test
    void blockingModeWhenUserAuthorizesDuringCallThenAnswerWithoutInterrupt() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT), ConsentMode.BLOCKING, false);

        String answer = agent.aiService(Assistant.class).chat("c", "list my notes", as("henry"));

        assertThat(answer).contains("notes of henry");
    }

    @Test
    void tellTheModelModeWhenNoTokenThenResultAsksUserToAuthorize() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT), ConsentMode.TELL_MODEL, false);

        String answer = agent.aiService(Assistant.class).chat("c", "list my notes", as("ivy"));

        assertThat(answer).contains("Authorization needed: ivy has not connected Corp Notes",
                idp.authorizationEndpoint());
        assertThat(tools.listRuns).hasValue(0);
    }
}
