package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ToolCredential;
import dev.agentauth.springai.testing.ScriptedChatModel;
import dev.agentauth.springai.testing.ScriptedChatModel.Call;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.core.Ordered;

/**
 * A resumed turn goes through the application's own {@code ChatClient}: its default system text and advisors, and the
 * interrupted call's advisor parameters, tool context and options, as first made; a chain the agent cannot keep its
 * promises in is refused.
 */
class SpringAiResumeThroughChatClientTest extends SpringAiTestBase {

    /** An application advisor: records each call's advisor parameter {@code tenant}. */
    static final class TenantAdvisor implements CallAdvisor {
        final List<Object> tenants = new CopyOnWriteArrayList<>();

        @Override
        public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
            tenants.add(request.context().get("tenant"));
            return chain.nextCall(request);
        }

        @Override
        public String getName() {
            return "tenant";
        }

        @Override
        public int getOrder() {
            return 0;
        }
    }

    /** A tool reading the application's tool context beside its credential. */
    static final class TenantNotes {
        @Tool(description = "List the tenant's notes")
        @AuthenticatedTool(provider = "corp", scopes = "notes.read")
        public String tenantNotes(ToolContext context) {
            return get(api.uri("/notes"), ToolCredential.from(context.getContext()).authorizationHeader())
                    + " of tenant " + context.getContext().get("tenant") + " for "
                    + context.getContext().get(AuthenticatedChatClient.USER);
        }
    }

    @Test
    void resumeWhenTheClientHasItsOwnSystemTextAdvisorsAndTheCallItsParametersThenAllApplyAgain() {
        broker = broker();
        model = new ScriptedChatModel(Map.of("tenant notes", List.of(new Call("tenantNotes", "{}"))));
        TenantAdvisor advisor = new TenantAdvisor();
        AuthenticatedChatClient agent = AuthenticatedChatClient.builder().broker(broker)
                .chatClientBuilder(ChatClient.builder(model).defaultSystem("You are the notes agent.")
                        .defaultAdvisors(advisor))
                .chatMemory(memory).tools(new TenantNotes()).build();

        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.chatClient().prompt().user("tenant notes")
                        .advisors(AuthenticatedChatClient.user("quinn"))
                        .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "t1").param("tenant", "acme"))
                        .toolContext(Map.of("tenant", "acme"))
                        .options(ChatOptions.builder().temperature(0.25).maxTokens(321)).call().content()).interrupt();
        authorizeAll(interrupt, "quinn");
        int before = model.requests().size();

        assertThat(agent.resume(interrupt.id(), "quinn").content())
                .isEqualTo("Answer: tenantNotes -> \"notes of quinn: [welcome, quinn] of tenant acme for quinn\"");

        assertThat(advisor.tenants).containsExactly("acme", "acme");
        Prompt continued = model.requests().get(before);
        assertThat(continued.getOptions().getTemperature()).isEqualTo(0.25);
        assertThat(continued.getOptions().getMaxTokens()).isEqualTo(321);
        List<Message> sent = continued.getInstructions();
        assertThat(sent.get(0)).isInstanceOf(SystemMessage.class);
        assertThat(sent.get(0).getText()).isEqualTo("You are the notes agent.");
        assertThat(sent).filteredOn(m -> m instanceof SystemMessage).hasSize(1);
        assertEveryToolCallAnswered(memory.get("t1"));
    }

    /** An advisor parameter that is no plain value: a session object of the application's. */
    record Session(String secretish) {
    }

    @Test
    void parameterWhenItIsNoPlainValueThenAnInterruptedTurnLeavesItOutWithOneWarningNamingItsKeyOnly() {
        AuthenticatedChatClient agent = agent();
        try (dev.agentauth.core.testing.LogCapture logs = dev.agentauth.core.testing.LogCapture.start()) {
            agent.chatClient().prompt().user("report").advisors(AuthenticatedChatClient.user("sam"))
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "o1").param("session", new Session("s-v")))
                    .call().content();
            assertThat(logs.projectWarnings()).as("an ordinary call keeps nothing, so warns of nothing").isEmpty();

            ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                    () -> agent.chatClient().prompt().user("list my notes")
                            .advisors(AuthenticatedChatClient.user("sam"))
                            .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "o1")
                                    .param("session", new Session("s-v")))
                            .call().content()).interrupt();
            assertThat(logs.projectWarnings()).singleElement().asString().contains("advisor parameter 'session'")
                    .doesNotContain("s-v");
            authorizeAll(interrupt, "sam");
            assertThat(agent.resume(interrupt.id(), "sam").content()).contains("notes of sam");
        }
    }

    @Test
    void chatClientWhenTheApplicationAddedItsOwnMemoryAdvisorThenRefusedBeforeAnythingRuns() {
        broker = broker();
        model = new ScriptedChatModel(SCRIPT);
        tools = new NotesTools(api);
        AuthenticatedChatClient agent = AuthenticatedChatClient.builder().broker(broker)
                .chatClientBuilder(ChatClient.builder(model)
                        .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build()))
                .tools(tools).build();
        assertThatThrownBy(() -> chat(agent, "rita", "m1", "list my notes"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("AuthenticatedChatClient.builder().chatMemory(...)");
        assertThatThrownBy(() -> chat(agent, "rita", "m1", "list my notes")).as("every call, not only the first")
                .isInstanceOf(IllegalStateException.class);
        assertThat(model.requests()).isEmpty();
    }

    @Test
    void chatClientWhenItsToolLoopRunsOutsideTheAgentsAdvisorThenRefusedOnEveryCall() {
        broker = broker();
        model = new ScriptedChatModel(SCRIPT);
        tools = new NotesTools(api);
        AuthenticatedChatClient agent = AuthenticatedChatClient.builder().broker(broker)
                .chatClientBuilder(ChatClient.builder(model).defaultAdvisors(ToolCallingAdvisor.builder()
                        .advisorOrder(Ordered.HIGHEST_PRECEDENCE + 50).build()))
                .tools(tools).build();
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> chat(agent, "rita", "m1", "list my notes"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not run inside agent-auth's advisor");
        }
        assertThat(model.requests()).isEmpty();
    }
}
