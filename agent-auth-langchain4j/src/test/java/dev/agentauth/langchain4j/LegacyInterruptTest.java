package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import org.junit.jupiter.api.Test;

/**
 * An interrupt stored by the previous release (the LangChain4j module {@code agent-auth-tools}, payload version 1: the
 * AI-service call and invocation parameters at the top level, no continuation) resumes through this release's
 * adapter: the waiting tool call runs once and the AI service continues the turn.
 */
class LegacyInterruptTest extends AgentToolsTestBase {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anInterruptWrittenByTheVersionOnePayloadThenResumesThroughTheAiService() throws Exception {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("legacy", "list my notes", as("alice"))).interrupt();
        InterruptStore store = broker.interruptStore();
        StoredInterrupt current = store.findInterrupt(interrupt.id()).orElseThrow();

        // The same turn as version 1 wrote it: {"v":1, user, agent, memoryId, call, invocationParameters, batch,
        // consents, completed, snapshot}.
        ObjectNode payload = (ObjectNode) JSON.readTree(current.payload());
        ObjectNode state = (ObjectNode) JSON.readTree(payload.path("continuation").path("state").asText());
        payload.remove("continuation");
        payload.put("v", 1);
        payload.set("call", state.get("call"));
        payload.set("invocationParameters", state.get("invocationParameters"));
        assertThat(payload.has("call")).isTrue();
        String legacyId = "legacy-" + interrupt.id();
        store.saveInterrupt(new StoredInterrupt(legacyId, current.user(), current.agent(), current.createdAt(),
                current.purgeAt(), payload.toString(), StoredInterrupt.State.OPEN, null));
        assertThat(agent.interrupt(legacyId)).hasValueSatisfying(i -> assertThat(i.consents()).hasSize(1));

        authorizeAll(agent.interrupt(legacyId).orElseThrow(), "alice");
        String answer = agent.resume(legacyId, "alice"); // the version 2 copy of the same turn is left alone

        assertThat(answer).isEqualTo("Answer: listNotes -> notes of alice: [welcome, alice]");
        assertThat(tools.listRuns).hasValue(1);
        assertEveryToolCallAnswered(agent.chatMemory("legacy").messages());
    }
}
