package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.invocation.InvocationParameters;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An AI-service call without a user reaching an authenticated tool: a typed exception out of the call and a WARN,
 * never a text the model would repeat to the end user; chat memory stays valid for the next turn.
 */
class MissingPrincipalTest extends AgentToolsTestBase {

    /** An AI service whose method passes no invocation parameters at all. */
    interface NoUserAssistant {
        String chat(@dev.langchain4j.service.MemoryId String conversation,
                    @dev.langchain4j.service.UserMessage String message);
    }

    @Test
    void aCallWithoutInvocationParametersThrowsTypedAndTellsTheModelNothing() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = agent(model);
        Assistant assistant = agent.aiService(Assistant.class);
        NoUserAssistant noUser = agent.aiService(NoUserAssistant.class);
        try (LogCapture logs = LogCapture.start()) {
            MissingPrincipalException e = catchThrowableOfType(MissingPrincipalException.class,
                    () -> noUser.chat("nobody", "list my notes"));

            assertThat(e.getMessage()).contains(PrincipalResolver.USER);
            assertThat(model.requests()).as("no second model request carrying the error").hasSize(1);
            assertThat(tools.listRuns).hasValue(0);
            assertThat(logs.projectWarnings()).anyMatch(l -> l.contains("listNotes")
                    && l.contains("no user for this tool call"));
        }
        List<dev.langchain4j.data.message.ChatMessage> memory = agent.chatMemory("nobody").messages();
        assertEveryToolCallAnswered(memory);
        assertThat(memory).anyMatch(m -> m instanceof ToolExecutionResultMessage r && r.text().startsWith("Not run"));

        // The same conversation goes on once the application passes the user.
        assertThat(catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("nobody", "list my notes", as("nina")))).isNotNull();
    }

    @Test
    void parametersWithoutTheUserKeyThrowTypedToo() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        MissingPrincipalException e = catchThrowableOfType(MissingPrincipalException.class,
                () -> agent.aiService(Assistant.class).chat("c2", "list my notes",
                        InvocationParameters.from("tenant", "acme")));
        assertThat(e).isNotNull();
        assertEveryToolCallAnswered(agent.chatMemory("c2").messages());
    }
}
