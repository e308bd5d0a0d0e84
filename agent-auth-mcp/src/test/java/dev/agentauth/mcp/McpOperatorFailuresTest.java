package dev.agentauth.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRefusedException;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.langchain4j.testing.ScriptedChatModel.Call;
import dev.agentauth.mcp.testing.HttpMcpTestServer;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MCP tools through an agent fail like {@code @AuthenticatedTool} methods: what the operator must fix (a client the
 * provider refuses, no redirect URI for a consent) is thrown out of the AI-service call (or out of {@code build()})
 * with a WARN and never told to the model; a provider that is down is told to the model. Real parts: mock-oauth2-server,
 * an MCP SDK server validating bearer tokens, a {@link FlakyGateway} answering for the token endpoint.
 */
class McpOperatorFailuresTest {

    interface Assistant {
        String chat(@MemoryId String conversation, @UserMessage String message, InvocationParameters parameters);
    }

    static final String SECRET = "mcp-agent-secret-do-not-print";
    static final Map<String, List<Call>> SCRIPT = Map.of(
            "connect my tools", List.of(new Call("connect_tools", "{}")),
            "who am i", List.of(new Call("whoami", "{}")));

    static TestIdp idp;
    static HttpMcpTestServer server;
    FlakyGateway gateway;
    TokenBroker broker;
    AuthenticatedMcpServer mcp;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        server = new HttpMcpTestServer(idp.issuer());
    }

    @AfterAll
    static void stop() {
        server.close();
        idp.close();
    }

    @BeforeEach
    void gateway() {
        gateway = FlakyGateway.to(URI.create(idp.server().baseUrl().toString()));
    }

    @AfterEach
    void close() {
        if (mcp != null) {
            mcp.close();
        }
        if (broker != null) {
            broker.close();
        }
        gateway.close();
    }

    /** The provider, its token endpoint behind the gateway; a loopback callback when {@code redirect}. */
    TokenBroker broker(boolean redirect) {
        var b = TokenBroker.builder().provider(Provider.oauth2("tools-sso").displayName("Tools SSO")
                .issuer(idp.issuer()).tokenEndpoint(gateway.url(URI.create(idp.tokenEndpoint()).getPath()))
                .clientId("mcp-agent").clientSecret(SECRET).defaultScopes("openid").build());
        if (redirect) {
            b.loopbackCallback();
        }
        broker = b.build();
        return broker;
    }

    /** An agent over the HTTP test server, reached as the agent itself (client credentials). */
    AuthenticatedAgent agent(ScriptedChatModel model) {
        mcp = AuthenticatedMcpServer.streamableHttp("tools", server.mcpEndpoint()).broker(broker(true))
                .provider("tools-sso", "mcp:tools").flow(Flow.CLIENT_CREDENTIALS).build();
        return AuthenticatedAgent.builder().broker(broker).chatModel(model)
                .toolSources(AuthenticatedMcpToolset.of(mcp)).build();
    }

    static InvocationParameters as(String user) {
        return InvocationParameters.from(PrincipalResolver.USER, user);
    }

    static String seenByModel(ScriptedChatModel model) {
        return model.requests().stream().flatMap(r -> r.messages().stream()).map(String::valueOf)
                .collect(Collectors.joining("\n"));
    }

    static void assertEveryToolCallAnswered(List<ChatMessage> memory) {
        Set<String> asked = new HashSet<>();
        Set<String> answered = new HashSet<>();
        for (ChatMessage m : memory) {
            if (m instanceof AiMessage ai && ai.hasToolExecutionRequests()) {
                ai.toolExecutionRequests().forEach(r -> asked.add(r.id()));
            }
            if (m instanceof ToolExecutionResultMessage r) {
                answered.add(r.id());
            }
        }
        assertThat(answered).isEqualTo(asked);
    }

    @Test
    void mcpToolWhenTheProviderRefusesTheClientThenThrownWithWarnAndTheModelToldNothing() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        Assistant assistant = agent(model).aiService(Assistant.class);
        gateway.answerNextWith(401, Map.of(), "{\"error\":\"invalid_client\",\"error_description\":\"bad secret\"}");

        try (LogCapture logs = LogCapture.start()) {
            TokenRefusedException e = catchThrowableOfType(TokenRefusedException.class,
                    () -> assistant.chat("m", "connect my tools", as("alice")));

            assertThat(e).as("a typed exception out of the AI-service call").isNotNull();
            assertThat(e.oauthError()).isEqualTo("invalid_client");
            assertThat(e.getMessage()).contains("provider 'tools-sso'", "check the client id, secret")
                    .doesNotContain(SECRET);
            assertThat(logs.projectWarnings()).anyMatch(l -> l.contains("tool connect_tools (provider tools-sso)")
                    && l.contains("invalid_client") && !l.contains(SECRET));
        }
        assertThat(model.requests()).as("no second model request carrying the error").hasSize(1);
        // The conversation goes on once the provider accepts the client again (the tool list refreshed as the agent
        // itself); the model never saw the failure.
        assertThat(assistant.chat("m", "who am i", as("alice"))).isEqualTo("Answer: whoami -> mcp-agent");
        assertThat(seenByModel(model)).doesNotContain("invalid_client", "bad secret", SECRET);
    }

    @Test
    void mcpToolWhenTheProviderIsDownThenTheModelIsTold() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        Assistant assistant = agent(model).aiService(Assistant.class);
        gateway.mode(FlakyGateway.Mode.UNAVAILABLE);

        assertThat(assistant.chat("d", "connect my tools", as("bob")))
                .contains("The tool could not run: Tools SSO is temporarily unavailable.");
    }

    @Test
    void mcpToolWhenTheServerRefusesTheAgentsOwnTokenThenConfigurationExceptionNotTold() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        Assistant assistant = agent(model).aiService(Assistant.class);
        server.refusedSubjects.add("mcp-agent");
        try (LogCapture logs = LogCapture.start()) {
            ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                    () -> assistant.chat("r", "connect my tools", as("carol")));

            assertThat(e.getMessage()).contains("MCP server 'tools' refuses tools/list", "no user can fix");
            assertThat(logs.projectWarnings()).anyMatch(l -> l.contains("tool connect_tools (provider tools-sso)"));
        } finally {
            server.refusedSubjects.remove("mcp-agent");
        }
        assertThat(model.requests()).hasSize(1);
        assertThat(seenByModel(model)).doesNotContain("refuses", "no user can fix");
    }

    @Test
    void buildWhenAServerNeedsAConsentRedirectAndTheBrokerHasNoneThenConfigurationException() {
        TokenBroker noRedirect = broker(false);

        assertThatThrownBy(() -> AuthenticatedMcpServer.streamableHttp("tools", server.mcpEndpoint())
                .broker(noRedirect).provider("tools-sso", "mcp:tools").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("MCP server 'tools' needs the user's consent at provider 'tools-sso'")
                .hasMessageContaining(".loopbackCallback()");
        assertThatThrownBy(() -> AuthenticatedMcpServer.stdio("files", "java", "-version").broker(noRedirect)
                .provider("tools-sso").tokenVariables("FILES_TOKEN").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("MCP server 'files' needs the user's consent at provider 'tools-sso'");
        // As the agent itself, no consent and no redirect.
        mcp = AuthenticatedMcpServer.streamableHttp("tools", server.mcpEndpoint()).broker(noRedirect)
                .provider("tools-sso", "mcp:tools").flow(Flow.CLIENT_CREDENTIALS).build();
        assertThat(mcp.id()).isEqualTo("tools");
    }
}
