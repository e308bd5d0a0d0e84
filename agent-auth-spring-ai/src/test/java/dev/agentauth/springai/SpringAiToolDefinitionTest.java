package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.agent.ToolCredential;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.springai.testing.ScriptedChatModel;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.annotation.Tool;

/** What the model sees of a Spring AI tool, and what a malformed authenticated tool gets at build time. */
class SpringAiToolDefinitionTest extends SpringAiTestBase {

    @Test
    void toolDefinitionsWhenBuiltThenNoCredentialParameterAndOrdinaryOnesKept() {
        AuthenticatedChatClient agent = agent();
        Map<String, ToolCallback> byName = new java.util.HashMap<>();
        agent.toolCallbacks().forEach(c -> byName.put(c.getToolDefinition().name(), c));

        assertThat(byName).containsKeys("listNotes", "crmWhoAmI", "report", "leaky", "archive", "add");
        assertThat(byName.get("listNotes").getToolDefinition().inputSchema()).doesNotContain("token");
        assertThat(byName.get("listNotes").getToolDefinition().description()).isEqualTo("List my notes");
        assertThat(byName.get("crmWhoAmI").getToolDefinition().inputSchema()).doesNotContain("context");
        assertThat(byName.get("add").getToolDefinition().inputSchema()).contains("\"a\"", "\"b\"");

        // The same definitions reach the model.
        chat(agent, "olga", "c", "report");
        assertThat(ScriptedChatModel.toolNames(model.requests().get(0))).containsExactlyInAnyOrder("listNotes",
                "crmWhoAmI", "report", "leaky", "archive", "add");
        assertThat(ScriptedChatModel.sent(model.requests().get(0))).doesNotContain("\"token\"");
    }

    static final class NoCredential {
        @Tool(description = "no credential")
        @AuthenticatedTool(provider = "corp")
        public String broken(String query) {
            return query;
        }
    }

    static final class CredentialParameter {
        @Tool(description = "a ToolCredential parameter Spring AI cannot fill")
        @AuthenticatedTool(provider = "corp")
        public String broken(ToolCredential credential) {
            return credential.tokenType();
        }
    }

    static final class TokenWithoutAnnotation {
        @Tool(description = "a token for a tool that is not authenticated")
        public String broken(@InjectToken String token) {
            return token;
        }
    }

    static final class PlainWithContext {
        @Tool(description = "a plain tool reading the application's tool context")
        public String tenant(ToolContext context) {
            return String.valueOf(context.getContext().get("tenant"));
        }
    }

    static final class UnknownProvider {
        @Tool(description = "a provider the broker does not know")
        @AuthenticatedTool(provider = "nowhere")
        public String broken(@InjectToken String token) {
            return token;
        }
    }

    @Test
    void buildWhenAToolIsMalformedThenRefusedWithTheFix() {
        TokenBroker b = broker = broker();
        ScriptedChatModel m = new ScriptedChatModel(SCRIPT);
        assertThatThrownBy(() -> AuthenticatedChatClient.builder().broker(b).chatModel(m).tools(new NoCredential())
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("@InjectToken String token")
                .hasMessageContaining("ToolContext");
        assertThatThrownBy(() -> AuthenticatedChatClient.builder().broker(b).chatModel(m)
                .tools(new CredentialParameter()).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ToolCredential.from(context.getContext())");
        assertThatThrownBy(() -> AuthenticatedChatClient.builder().broker(b).chatModel(m)
                .tools(new TokenWithoutAnnotation()).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not annotated @AuthenticatedTool");
        assertThatThrownBy(() -> AuthenticatedChatClient.builder().broker(b).chatModel(m)
                .tools(new UnknownProvider()).build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("nowhere");
        assertThat(AuthenticatedChatClient.builder().broker(b).chatModel(m).tools(new PlainWithContext()).build()
                .chatClient().prompt().user("hello").toolContext(Map.of("tenant", "acme"))
                .advisors(AuthenticatedChatClient.user("pia")).call().content()).isEqualTo("I can't help with that.");
    }
}
