package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import org.junit.jupiter.api.Test;

/**
 * What a consent card is built from: the interrupt says which tool asks and why (its {@code @Tool} description),
 * what each scope lets the agent do in words, which scopes the user granted before (a step-up), and hides protocol
 * plumbing such as {@code openid}.
 */
class ConsentCardTest extends AgentToolsTestBase {

    @Test
    void aFirstConsentCardDescribesTheToolAndTheScopesAndHidesOpenid() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("card", "list my notes", as("pia"))).interrupt();

        ConsentInterrupt.Consent card = interrupt.consents().get(0);
        assertThat(card.providerDisplayName()).isEqualTo("Corp Notes");
        assertThat(card.scopes()).contains("openid", "notes.read");
        assertThat(card.scopeDetails()).containsExactly(
                new ConsentInterrupt.ScopeDetail("notes.read", "Read your notes", false));
        assertThat(interrupt.waitingToolCalls().get(0).toolDescription()).isEqualTo("List my notes");
        String json = interrupt.toJson();
        assertThat(json).contains("\"scopeDetails\":[{\"scope\":\"notes.read\",\"description\":\"Read your notes\","
                + "\"alreadyGranted\":false}]", "\"toolDescription\":\"List my notes\"", "\"prompt\":\"redirect\"");
        assertThat(card.prompt()).isEqualTo("redirect");
        assertThat(card.deviceCode()).isFalse();
    }

    @Test
    void aStepUpCardMarksTheScopesAlreadyGrantedApartFromTheNewOne() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt first = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("up", "list my notes", as("quinn"))).interrupt();
        authorizeAll(first, "quinn");
        agent.resume(first.id(), "quinn");

        // The archive tool's API wants notes.archive: a step-up for the union of scopes.
        ConsentInterrupt stepUp = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("up", "archive", as("quinn"))).interrupt();

        assertThat(stepUp.consents().get(0).scopeDetails()).containsExactlyInAnyOrder(
                new ConsentInterrupt.ScopeDetail("notes.read", "Read your notes", true),
                new ConsentInterrupt.ScopeDetail("notes.archive", "Archive your notes", false));
        assertThat(stepUp.waitingToolCalls().get(0).toolDescription())
                .isEqualTo("Archive my notes (the API wants notes.archive)");
    }
}
