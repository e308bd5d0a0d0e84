package dev.agentauth.langchain4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.AgentCore;
import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A turn scope belongs to the first invocation whose tool call asks for it: another invocation that saw the same
 * managed parameters (an AI service called during the call) is kept by id instead, and its end is reported when the
 * scope's own call returns.
 */
class InvocationScopeTest {

    static final class Calculator {
        @Tool("Add two numbers")
        public int add(int a, int b) {
            return a + b;
        }
    }

    final TokenBroker broker = TokenBroker.builder()
            .provider(Provider.apiKey("weather").apiKey(Secret.of("key")).build()).build();
    final ChatMemoryProvider memory = id -> MessageWindowChatMemory.withMaxMessages(10);
    final PrincipalResolver principals = PrincipalResolver.invocationParameters("agent");
    final LangChain4jAgent agent = new LangChain4jAgent(List.of(new Calculator()), List.of(), principals, memory,
            AgentCore.builder().broker(broker));
    final AgentCore core = agent.core();
    final ToolBinding add = core.tool("add").orElseThrow();
    final Continuations continuations = new Continuations(new Services());

    @AfterEach
    void close() {
        broker.close();
    }

    LangChain4jTurn turn(InvocationScope scope, UUID invocation) {
        InvocationContext context = InvocationContext.builder().invocationId(invocation).chatMemoryId("c")
                .invocationParameters(InvocationParameters.from(PrincipalResolver.USER, "alice"))
                .managedParameters(scope.over(null)).build();
        return new LangChain4jTurn(context, principals, memory, continuations);
    }

    @Test
    void whenAnotherInvocationSeesTheScopeThenItIsKeptByIdUntilTheScopesCallReturns() {
        InvocationScope scope = new InvocationScope(core.newTurnScope());
        LangChain4jTurn own = turn(scope, UUID.randomUUID());
        LangChain4jTurn nested = turn(scope, UUID.randomUUID());

        assertThat(core.run(add, new ToolCall("c1", "add", "{\"a\":1,\"b\":2}"), own).text()).isEqualTo("3");
        assertThat(core.turnsKept()).as("the owner's journal is its scope").isZero();
        assertThat(core.run(add, new ToolCall("c2", "add", "{\"a\":2,\"b\":2}"), nested).text()).isEqualTo("4");
        assertThat(core.turnsKept()).as("the other invocation, by id").isEqualTo(1);
        assertThat(own.scope()).isNotNull().isSameAs(own.scope());
        assertThat(nested.scope()).isNull();

        scope.endFallbacks(core);

        assertThat(core.turnsKept()).isZero();
    }

    @Test
    void whenToolCallHasNoScopeThenCoreKeepsItByIdAndScopeNeverNamesItsContents() {
        InvocationContext bare = InvocationContext.builder().invocationId(UUID.randomUUID()).chatMemoryId("c")
                .invocationParameters(InvocationParameters.from(PrincipalResolver.USER, "alice")).build();
        LangChain4jTurn turn = new LangChain4jTurn(bare, principals, memory, continuations);

        assertThat(turn.scope()).isNull();
        assertThat(core.run(add, new ToolCall("c1", "add", "{\"a\":1,\"b\":2}"), turn).text()).isEqualTo("3");
        assertThat(core.turnsKept()).isEqualTo(1);
        core.turnEnded(turn.id());
        assertThat(core.turnsKept()).isZero();
        assertThat(new InvocationScope(core.newTurnScope())).hasToString("InvocationScope");
    }
}
