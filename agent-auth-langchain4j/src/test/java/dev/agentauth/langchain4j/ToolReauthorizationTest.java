package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import org.junit.jupiter.api.Test;

/** An API's 401 and 403 answers to a tool, through the shared reauthorization policy: refresh once, consent again, step-up for the union of scopes. */
class ToolReauthorizationTest extends AgentToolsTestBase {

    @Test
    void toolWhenApiRejectsTokenOnceThenRefreshedAndRetried() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "list my notes", as("gina"))).interrupt();
        authorizeAll(i, "gina");
        agent.resume(i.id(), "gina");
        String current = broker.tokenOrThrow(TokenRequest.builder().provider("corp").scopes("notes.read")
                .principal(Principal.user("gina")).build()).value();
        api.rejectOnce(current);
        idp.drainRequests();

        String answer = assistant.chat("c", "list my notes", as("gina"));

        assertThat(answer).contains("notes of gina");
        assertThat(idp.drainTokenRequests()).as("one refresh").isEqualTo(1);
        assertThat(tools.listRuns).hasValue(3); // resume, rejected attempt, retry
    }

    @Test
    void toolWhenApiRejectsRefreshedTokenTooThenConsentAgain() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt first = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "list my notes", as("nina"))).interrupt();
        authorizeAll(first, "nina");
        agent.resume(first.id(), "nina");
        api.rejectNext(2);

        ConsentInterrupt again = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "list my notes", as("nina"))).interrupt();

        assertThat(again.consents()).singleElement().satisfies(c -> assertThat(c.provider()).isEqualTo("corp"));
        authorizeAll(again, "nina");
        assertThat(agent.<String>resume(again.id(), "nina")).contains("notes of nina");
    }

    @Test
    void toolWhenApiNeedsMoreScopesThenIncrementalConsentForUnion() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt first = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "archive", as("oscar"))).interrupt();
        assertThat(first.consents().get(0).scopes()).containsExactly("notes.read", "openid");
        authorizeAll(first, "oscar");

        ConsentInterruptException stepUp = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.resume(first.id(), "oscar"));

        assertThat(stepUp.interrupt().consents()).singleElement().satisfies(c ->
                assertThat(c.scopes()).containsExactly("notes.archive", "notes.read", "openid"));
        assertEveryToolCallAnswered(agent.chatMemory("c").messages());
        authorizeAll(stepUp.interrupt(), "oscar");
        assertThat(agent.<String>resume(stepUp.interrupt().id(), "oscar"))
                .contains("archived with scopes notes.archive notes.read openid");
    }
}
