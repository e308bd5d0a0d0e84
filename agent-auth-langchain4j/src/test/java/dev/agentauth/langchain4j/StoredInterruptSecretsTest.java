package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.langchain4j.testing.ScriptedChatModel.Call;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What an interrupt stores and logs holds no credential: a turn where one tool ran with the user's token (and even
 * returned it) while another waits for a consent is stored with the redacted result, and no log line carries the
 * token or the stored payload.
 */
class StoredInterruptSecretsTest extends AgentToolsTestBase {

    @Test
    void interruptWhenATokenToolRanInTheSameTurnThenNeitherTheStoreNorTheLogsHoldTheToken() {
        ScriptedChatModel model = new ScriptedChatModel(Map.of(
                "list my notes", List.of(new Call("listNotes", "{}")),
                "leak and crm", List.of(new Call("leaky", "{}"), new Call("crmWhoAmI", "{}"))));
        AuthenticatedAgent agent = agent(model);
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterruptException first = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("secrets", "list my notes", as("alice")));
        authorizeAll(first.interrupt(), "alice");
        agent.<String>resume(first.interrupt().id(), "alice");
        String token = ((TokenResult.Granted) broker.token(TokenRequest.forUser("corp", "alice", "notes.read")))
                .token().value();

        try (LogCapture logs = LogCapture.start()) {
            ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                    () -> assistant.chat("secrets", "leak and crm", as("alice"))).interrupt();
            StoredInterrupt stored = broker.interruptStore().findInterrupt(interrupt.id()).orElseThrow();

            assertThat(stored.payload()).contains("[redacted credential]").doesNotContain(token);
            assertThat(stored.toString()).doesNotContain("redacted credential");
            assertThat(interrupt.toJson()).doesNotContain(token);
            assertThat(logs.allLines()).noneMatch(l -> l.contains(token) || l.contains("redacted credential"));
        }
    }
}
