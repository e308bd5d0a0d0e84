package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.langchain4j.testing.ScriptedChatModel.Call;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.invocation.LangChain4jManaged;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each AI-service call carries its own turn scope to its tool calls as a LangChain4j managed parameter: the core keeps
 * nothing of a turn by id while it runs or after, the application's own managed parameters still reach its tools, the
 * thread's managed parameters are put back however the call ends, and an AI service called from inside a tool is a
 * turn of its own.
 */
class TurnScopeTest extends AgentToolsTestBase {

    /** A managed parameter of the application's own, made current by it around its AI-service calls. */
    record Tenant(String name) implements LangChain4jManaged {
    }

    /** Tools that look at the turn from inside: what the core keeps, the application's managed parameter. */
    static final class ScopeTools {
        final List<Integer> keptDuring = new CopyOnWriteArrayList<>();
        AuthenticatedAgent agent;
        Assistant inner;

        @Tool("Which tenant is this")
        public String tenant(Tenant tenant) {
            keptDuring.add(agent.core().turnsKept());
            return "tenant " + (tenant == null ? "none" : tenant.name());
        }

        @Tool("Ask the other assistant")
        public String delegate() {
            keptDuring.add(agent.core().turnsKept());
            return "inner said " + inner.chat("inner", "tenant", as("alice"));
        }
    }

    static final Map<String, List<Call>> TURNS = Map.of(
            "tenant", List.of(new Call("tenant", "{}")),
            "tenant twice", List.of(new Call("tenant", "{}"), new Call("tenant", "{}")),
            "delegate", List.of(new Call("delegate", "{}")),
            "list my notes", List.of(new Call("listNotes", "{}")));

    final ScopeTools scopeTools = new ScopeTools();

    AuthenticatedAgent scoped(boolean concurrent) {
        ScriptedChatModel model = new ScriptedChatModel(TURNS);
        agent(model); // the broker and notes tools of the base
        AuthenticatedAgent.Builder b = AuthenticatedAgent.builder().broker(broker).chatModel(model)
                .tools(tools, scopeTools).clock(clock);
        if (concurrent) {
            b.executeToolsConcurrently();
        }
        AuthenticatedAgent agent = b.build();
        scopeTools.agent = agent;
        scopeTools.inner = agent.aiService(Assistant.class);
        return agent;
    }

    @AfterEach
    void clearManaged() {
        LangChain4jManaged.removeCurrent();
    }

    @Test
    void whenTurnsRunThenCoreKeepsNothingByTurnIdDuringOrAfter() {
        AuthenticatedAgent agent = scoped(true);
        Assistant assistant = agent.aiService(Assistant.class);

        assertThat(assistant.chat("c", "tenant twice", as("alice"))).isEqualTo("Answer: tenant -> tenant none"
                + " | tenant -> tenant none");

        assertThat(scopeTools.keptDuring).containsExactly(0, 0);
        assertThat(agent.core().turnsKept()).isZero();
        assertThat(LangChain4jManaged.current()).as("the thread's managed parameters put back").isNull();
    }

    @Test
    void whenApplicationSetsItsOwnManagedParameterThenToolsGetItAndItIsPutBack() {
        Assistant assistant = scoped(false).aiService(Assistant.class);
        Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> own = Map.of(Tenant.class, new Tenant("acme"));
        LangChain4jManaged.setCurrent(own);

        assertThat(assistant.chat("c", "tenant", as("alice"))).isEqualTo("Answer: tenant -> tenant acme");

        assertThat(LangChain4jManaged.current()).isSameAs(own);
    }

    @Test
    void whenConsentInterruptLeavesTheCallThenManagedParametersArePutBackAndNothingIsKept() {
        AuthenticatedAgent agent = scoped(false);
        Assistant assistant = agent.aiService(Assistant.class);
        Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> own = Map.of(Tenant.class, new Tenant("acme"));
        LangChain4jManaged.setCurrent(own);

        assertThatThrownBy(() -> assistant.chat("c", "list my notes", as("zoe")))
                .isInstanceOf(ConsentInterruptException.class);

        assertThat(LangChain4jManaged.current()).isSameAs(own);
        assertThat(agent.core().turnsKept()).isZero();
    }

    @Test
    void whenToolCallsAnotherAiServiceThenEachCallIsItsOwnTurn() {
        AuthenticatedAgent agent = scoped(false);

        String answer = agent.aiService(Assistant.class).chat("outer", "delegate", as("alice"));

        assertThat(answer).isEqualTo("Answer: delegate -> inner said Answer: tenant -> tenant none");
        assertThat(scopeTools.keptDuring).containsExactly(0, 0);
        assertThat(agent.core().turnsKept()).isZero();
        assertThat(LangChain4jManaged.current()).isNull();
    }
}
