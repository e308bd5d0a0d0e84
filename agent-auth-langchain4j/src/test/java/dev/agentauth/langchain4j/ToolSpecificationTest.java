package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolSpecification;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tool schema the model sees, and what building an agent refuses. */
class ToolSpecificationTest extends AgentToolsTestBase {

    @Test
    void toolSpecificationsWhenCredentialParametersThenAbsentFromSchema() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Map<String, ToolSpecification> specs = new java.util.HashMap<>();
        agent.toolSpecifications().forEach(s -> specs.put(s.name(), s));

        assertThat(specs.get("listNotes").parameters() == null
                || specs.get("listNotes").parameters().properties().isEmpty()).isTrue();
        assertThat(specs.get("weather").parameters().properties()).containsOnlyKeys("city");
        assertThat(specs.get("weather").parameters().required()).containsExactly("city");
        assertThat(specs.get("crmWhoAmI").parameters() == null
                || specs.get("crmWhoAmI").parameters().properties().isEmpty()).isTrue();
        assertThat(specs.get("add").parameters().properties()).containsOnlyKeys("a", "b");
    }

    @Test
    void buildWhenAuthenticatedToolLacksCredentialParameterThenClearError() {
        class Broken {
            @Tool("x")
            @AuthenticatedTool(provider = "corp")
            public String x(String city) {
                return city;
            }
        }
        broker = TokenBroker.builder().provider(Provider.apiKey("corp").build()).build();
        assertThatThrownBy(() -> AuthenticatedAgent.builder().broker(broker).chatModel(new ScriptedChatModel(SCRIPT))
                .tools(new Broken()).build())
                .hasMessageContaining("@InjectToken String token").hasMessageContaining("ToolCredential");
    }

    @Test
    void buildWhenToolNamesUnknownProviderThenFailsFast() {
        broker = TokenBroker.builder().provider(Provider.apiKey("weather").build()).build();
        assertThatThrownBy(() -> AuthenticatedAgent.builder().broker(broker).chatModel(new ScriptedChatModel(SCRIPT))
                .tools(new NotesTools(api)).build())
                .hasMessageContaining("unknown provider 'corp'");
    }

    /**
     * Records every request sent to the model (messages and tool specifications), every chat-memory message, every
     * interrupt and every log line of the project while tools run with real tokens, and finds no token in any of them.
     */
}
