package dev.agentauth.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.langchain4j.testing.ScriptedChatModel.Call;
import dev.agentauth.mcp.testing.HttpMcpTestServer;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MCP tools through an AuthenticatedAgent: the same consent interrupt and resume as @AuthenticatedTool. */
class McpToolsetAgentTest {

    interface Assistant {
        String chat(@MemoryId String conversation, @UserMessage String message, InvocationParameters parameters);
    }

    static final Map<String, List<Call>> SCRIPT = Map.of(
            "connect my tools", List.of(new Call("connect_tools", "{}")),
            "who am i", List.of(new Call("whoami", "{}")));

    static TestIdp idp;
    static HttpMcpTestServer server;
    TokenBroker broker;
    AuthenticatedMcpServer mcp;

    @BeforeAll
    static void start() {
        idp = TestIdp.start(true);
        server = new HttpMcpTestServer(idp.issuer());
    }

    @AfterAll
    static void stop() {
        server.close();
        idp.close();
    }

    @AfterEach
    void close() {
        mcp.close();
        broker.close();
    }

    /** The HTTP MCP server the agent uses. */
    java.net.URI httpEndpoint() {
        return server.mcpEndpoint();
    }

    /** The stdio MCP server program the agent starts. */
    Class<?> stdioMain() {
        return dev.agentauth.mcp.testing.StdioMcpTestServer.class;
    }

    AuthenticatedAgent agent(ScriptedChatModel model, ConsentMode mode) {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("tools-sso").displayName("Tools SSO").issuer(idp.issuer())
                        .clientId("mcp-agent").clientSecret("mcp-agent-secret").defaultScopes("openid").build())
                .loopbackCallback().build();
        mcp = AuthenticatedMcpServer.streamableHttp("tools", httpEndpoint()).broker(broker)
                .provider("tools-sso", "mcp:tools").build();
        return AuthenticatedAgent.builder().broker(broker).chatModel(model).consentMode(mode)
                .toolSources(AuthenticatedMcpToolset.of(mcp))
                .consentListener(c -> {
                    Thread t = new Thread(() -> new ScriptedBrowser().authorize(c.authorizationUri(),
                            c.principal().user()));
                    t.setDaemon(true);
                    t.start();
                })
                .build();
    }

    static InvocationParameters as(String user) {
        return InvocationParameters.from(PrincipalResolver.USER, user);
    }

    static void authorize(ConsentInterrupt interrupt, String user) {
        for (ConsentInterrupt.Consent c : interrupt.consents()) {
            assertThat(new ScriptedBrowser().authorize(URI.create(c.authorizationUrl()), user).statusCode())
                    .isEqualTo(200);
        }
    }

    static List<String> toolNames(ChatRequest request) {
        return request.toolSpecifications().stream().map(ToolSpecification::name).toList();
    }

    @Test
    void mcpToolWhenNoTokenThenInterruptThenConsentThenResumeAnswersAsThatUser() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = agent(model, ConsentMode.INTERRUPT);
        Assistant assistant = agent.aiService(Assistant.class);

        // Nobody has connected the server yet: the model sees only the connect tool.
        ConsentInterrupt connect = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("alice-chat", "connect my tools", as("alice"))).interrupt();
        assertThat(toolNames(model.requests().get(0))).containsExactly("connect_tools");
        assertThat(connect.consents()).singleElement().satisfies(c -> {
            assertThat(c.provider()).isEqualTo("tools-sso");
            assertThat(c.scopes()).contains("mcp:tools");
        });
        authorize(connect, "alice");
        assertThat(agent.<String>resume(connect.id(), "alice")).contains("Connected tools", "whoami");

        // Now the catalog is known and shared; alice's call runs with her token.
        assertThat(assistant.chat("alice-chat", "who am i", as("alice"))).contains("whoami -> alice");
        assertThat(toolNames(model.requests().get(model.requests().size() - 1))).contains("whoami", "admin-echo");

        // bob sees the tools but has no token: consent interrupt, then his own subject.
        ConsentInterrupt bobs = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("bob-chat", "who am i", as("bob"))).interrupt();
        assertThat(bobs.waitingToolCalls()).singleElement().satisfies(w -> {
            assertThat(w.toolName()).isEqualTo("whoami");
            assertThat(w.provider()).isEqualTo("tools-sso");
        });
        authorize(bobs, "bob");
        assertThat(agent.<String>resume(bobs.id(), "bob")).contains("whoami -> bob");
    }

    @Test
    void mcpToolsWhenTwoUsersConcurrentlyThenEachSeesOwnSubjectAndNoTokenReachesTheModel() throws Exception {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = agent(model, ConsentMode.INTERRUPT);
        Assistant assistant = agent.aiService(Assistant.class);
        for (String user : List.of("carol", "dave")) {
            ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                    () -> assistant.chat(user + "-0", user.equals("carol") ? "connect my tools" : "who am i",
                            as(user))).interrupt();
            authorize(i, user);
            agent.resume(i.id(), user);
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            String user = i % 2 == 0 ? "carol" : "dave";
            String conversation = user + "-" + i;
            answers.add(pool.submit((Callable<String>) () -> user + "=" + assistant.chat(conversation, "who am i",
                    as(user))));
        }
        for (Future<String> f : answers) {
            String a = f.get();
            String user = a.substring(0, a.indexOf('='));
            assertThat(a).endsWith("whoami -> " + user);
        }
        pool.shutdown();

        List<String> sentTokens = server.authorizations.stream().map(h -> h.substring("Bearer ".length())).toList();
        assertThat(sentTokens).isNotEmpty();
        List<String> seen = new ArrayList<>();
        for (ChatRequest r : model.requests()) {
            seen.add(r.toString());
        }
        for (String conversation : List.of("carol-0", "dave-0", "carol-2", "dave-1")) {
            for (ChatMessage m : agent.chatMemory(conversation).messages()) {
                seen.add(m.toString());
            }
        }
        for (String token : sentTokens) {
            assertThat(seen).noneMatch(s -> s.contains(token));
        }
    }

    @Test
    void stdioMcpToolWhenNoTokenThenInterruptThenResumeRunsInTheUsersOwnProcess() {
        ScriptedChatModel model = new ScriptedChatModel(Map.of("who am i", List.of(new Call("local_whoami", "{}"))));
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("stdio-agent")
                        .clientSecret("stdio-secret").defaultScopes("openid").build())
                .loopbackCallback().build();
        List<String> cmd = dev.agentauth.mcp.testing.McpFixtures.javaCommand(stdioMain(), idp.issuer());
        mcp = AuthenticatedMcpServer.stdio("local", cmd.get(0), cmd.subList(1, cmd.size()).toArray(String[]::new))
                .broker(broker).provider("corp", "files").tokenVariables("MCP_TOKEN").build();
        // One user's listing fills the shared catalog; then a model sees the server's tools, prefixed.
        dev.agentauth.mcp.testing.McpFixtures.consent(broker, mcp.callTool(
                dev.agentauth.core.Principal.user("frank"), "whoami", Map.of()), "frank");
        mcp.listTools(dev.agentauth.core.Principal.user("frank"));
        AuthenticatedAgent agent = AuthenticatedAgent.builder().broker(broker).chatModel(model)
                .toolSources(AuthenticatedMcpToolset.withPrefix(mcp, "local_")).build();
        Assistant assistant = agent.aiService(Assistant.class);

        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("gina-chat", "who am i", as("gina"))).interrupt();
        assertThat(toolNames(model.requests().get(0))).contains("local_whoami", "local_env", "local_pid");
        authorize(interrupt, "gina");

        assertThat(agent.<String>resume(interrupt.id(), "gina")).contains("local_whoami -> gina");
    }

    @Test
    void mcpToolInBlockingModeWhenUserAuthorizesMeanwhileThenAnswerDirectly() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT), ConsentMode.BLOCKING);

        String answer = agent.aiService(Assistant.class).chat("erin-chat", "connect my tools", as("erin"));

        assertThat(answer).contains("Connected tools");
    }
}
