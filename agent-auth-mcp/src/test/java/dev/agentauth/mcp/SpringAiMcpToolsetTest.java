package dev.agentauth.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.mcp.testing.HttpMcpTestServer;
import dev.agentauth.mcp.testing.McpFixtures;
import dev.agentauth.mcp.testing.StdioMcpTestServer;
import dev.agentauth.springai.AuthenticatedChatClient;
import dev.agentauth.springai.testing.ScriptedChatModel;
import dev.agentauth.springai.testing.ScriptedChatModel.Call;
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
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * MCP servers' tools in a Spring AI {@code ChatClient} through {@link AuthenticatedChatClient}: each call gets the
 * tools the servers offer its user as Spring AI tool callbacks, with the same consent interrupt and resume as an
 * {@code @AuthenticatedTool}, over Streamable HTTP and stdio (one process per user, the token in its environment).
 */
class SpringAiMcpToolsetTest {

    static final Map<String, List<Call>> SCRIPT = Map.of(
            "connect my tools", List.of(new Call("connect_tools", "{}")),
            "who am i", List.of(new Call("whoami", "{}")));

    static TestIdp idp;
    static HttpMcpTestServer server;
    final ChatMemory memory = MessageWindowChatMemory.builder().maxMessages(100).build();
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

    AuthenticatedChatClient agent(ScriptedChatModel model, ConsentMode mode) {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("tools-sso").displayName("Tools SSO").issuer(idp.issuer())
                        .clientId("mcp-agent").clientSecret("mcp-agent-secret").defaultScopes("openid").build())
                .loopbackCallback().build();
        mcp = AuthenticatedMcpServer.streamableHttp("tools", server.mcpEndpoint()).broker(broker)
                .provider("tools-sso", "mcp:tools").build();
        return AuthenticatedChatClient.builder().broker(broker).chatModel(model).chatMemory(memory)
                .consentMode(mode).toolSources(AuthenticatedMcpToolset.of(mcp))
                .consentListener(c -> {
                    Thread t = new Thread(() -> new ScriptedBrowser().authorize(c.authorizationUri(),
                            c.principal().user()));
                    t.setDaemon(true);
                    t.start();
                })
                .build();
    }

    static String chat(AuthenticatedChatClient agent, String user, String conversation, String text) {
        return agent.chatClient().prompt().user(text).advisors(AuthenticatedChatClient.user(user))
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, conversation)).call().content();
    }

    static void authorize(ConsentInterrupt interrupt, String user) {
        for (ConsentInterrupt.Consent c : interrupt.consents()) {
            assertThat(new ScriptedBrowser().authorize(URI.create(c.authorizationUrl()), user).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void mcpToolWhenNoTokenThenInterruptThenConsentThenResumeAnswersAsThatUser() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedChatClient agent = agent(model, ConsentMode.INTERRUPT);

        // Nobody has connected the server yet: the model sees only the connect tool.
        ConsentInterrupt connect = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "alice", "alice-chat", "connect my tools")).interrupt();
        assertThat(ScriptedChatModel.toolNames(model.requests().get(0))).containsExactly("connect_tools");
        assertThat(connect.consents()).singleElement().satisfies(c -> {
            assertThat(c.provider()).isEqualTo("tools-sso");
            assertThat(c.scopes()).contains("mcp:tools");
        });
        authorize(connect, "alice");
        assertThat(agent.resume(connect.id(), "alice").content()).contains("Connected tools", "whoami");

        // Now the catalog is known and shared; alice's call runs with her token.
        assertThat(chat(agent, "alice", "alice-chat", "who am i")).contains("whoami -> alice");
        assertThat(ScriptedChatModel.toolNames(model.requests().get(model.requests().size() - 1)))
                .contains("whoami", "admin-echo");

        // bob sees the tools but has no token: consent interrupt, then his own subject.
        ConsentInterrupt bobs = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "bob", "bob-chat", "who am i")).interrupt();
        assertThat(bobs.waitingToolCalls()).singleElement().satisfies(w -> {
            assertThat(w.toolName()).isEqualTo("whoami");
            assertThat(w.provider()).isEqualTo("tools-sso");
        });
        authorize(bobs, "bob");
        assertThat(agent.resume(bobs.id(), "bob").content()).contains("whoami -> bob");
    }

    @Test
    void mcpToolsWhenTwoUsersConcurrentlyThenEachSeesOwnSubjectAndNoTokenReachesTheModel() throws Exception {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedChatClient agent = agent(model, ConsentMode.INTERRUPT);
        for (String user : List.of("carol", "dave")) {
            ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                    () -> chat(agent, user, user + "-0", user.equals("carol") ? "connect my tools" : "who am i"))
                    .interrupt();
            authorize(i, user);
            agent.resume(i.id(), user).content();
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            String user = i % 2 == 0 ? "carol" : "dave";
            String conversation = user + "-" + i;
            answers.add(pool.submit((Callable<String>) () -> user + "=" + chat(agent, user, conversation,
                    "who am i")));
        }
        for (Future<String> f : answers) {
            String a = f.get();
            String user = a.substring(0, a.indexOf('='));
            assertThat(a).contains("whoami -> " + user);
        }
        pool.shutdown();

        List<String> sentTokens = server.authorizations.stream().map(h -> h.substring("Bearer ".length())).toList();
        assertThat(sentTokens).isNotEmpty();
        List<String> seen = new ArrayList<>();
        for (Prompt r : model.requests()) {
            seen.add(ScriptedChatModel.sent(r));
        }
        for (String conversation : List.of("carol-0", "dave-0", "carol-2", "dave-1")) {
            for (Message m : memory.get(conversation)) {
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
        List<String> cmd = McpFixtures.javaCommand(StdioMcpTestServer.class, idp.issuer());
        mcp = AuthenticatedMcpServer.stdio("local", cmd.get(0), cmd.subList(1, cmd.size()).toArray(String[]::new))
                .broker(broker).provider("corp", "files").tokenVariables("MCP_TOKEN").build();
        // One user's listing fills the shared catalog; then a model sees the server's tools, prefixed.
        McpFixtures.consent(broker, mcp.callTool(Principal.user("frank"), "whoami", Map.of()), "frank");
        mcp.listTools(Principal.user("frank"));
        AuthenticatedChatClient agent = AuthenticatedChatClient.builder().broker(broker).chatModel(model)
                .chatMemory(memory).toolSources(AuthenticatedMcpToolset.withPrefix(mcp, "local_")).build();

        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "gina", "gina-chat", "who am i")).interrupt();
        assertThat(ScriptedChatModel.toolNames(model.requests().get(0))).contains("local_whoami", "local_env",
                "local_pid");
        authorize(interrupt, "gina");

        assertThat(agent.resume(interrupt.id(), "gina").content()).contains("local_whoami -> gina");
    }

    @Test
    void mcpToolInBlockingModeWhenUserAuthorizesMeanwhileThenAnswerDirectly() {
        AuthenticatedChatClient agent = agent(new ScriptedChatModel(SCRIPT), ConsentMode.BLOCKING);
        assertThat(chat(agent, "erin", "erin-chat", "connect my tools")).contains("Connected tools");
    }
}
