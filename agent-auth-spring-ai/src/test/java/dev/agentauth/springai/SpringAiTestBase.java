package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.agent.InsufficientScopeException;
import dev.agentauth.agent.ToolCredential;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.core.testing.DemoApi;
import dev.agentauth.springai.testing.ScriptedChatModel;
import dev.agentauth.springai.testing.ScriptedChatModel.Call;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.annotation.Tool;

/**
 * What the Spring AI agent tests share: a real identity provider, the demo notes API on loopback (it verifies the
 * provider's JWTs), Spring AI notes tools, a scripted model, chat memory, and helpers for signing in and checking
 * memory. Each subclass tests one concern.
 */
abstract class SpringAiTestBase {

    static String get(URI uri, String authorization) {
        return DemoApi.get(uri, authorization, dev.agentauth.agent.TokenRejectedException::new);
    }

    /** Spring AI tools against the demo notes API, counting their runs. */
    static final class NotesTools {
        final DemoApi api;
        final AtomicInteger listRuns = new AtomicInteger();
        final AtomicInteger addRuns = new AtomicInteger();

        NotesTools(DemoApi api) {
            this.api = api;
        }

        @Tool(description = "List my notes")
        @AuthenticatedTool(provider = "corp", scopes = "notes.read")
        public String listNotes(@InjectToken String token) {
            listRuns.incrementAndGet();
            return get(api.uri("/notes"), "Bearer " + token);
        }

        @Tool(description = "Who am I at the CRM")
        @AuthenticatedTool(provider = "crm", scopes = "crm.read")
        public String crmWhoAmI(ToolContext context) {
            return get(api.uri("/whoami"), ToolCredential.from(context.getContext()).authorizationHeader());
        }

        @Tool(description = "Nightly report, as the agent itself")
        @AuthenticatedTool(provider = "corp", flow = Flow.CLIENT_CREDENTIALS, scopes = "reports")
        public String report(@InjectToken String token) {
            return "report by " + get(api.uri("/whoami"), "Bearer " + token);
        }

        @Tool(description = "A tool that leaks its token")
        @AuthenticatedTool(provider = "corp")
        public String leaky(@InjectToken String token) {
            return "my token is " + token;
        }

        @Tool(description = "Archive my notes (the API wants notes.archive)")
        @AuthenticatedTool(provider = "corp", scopes = "notes.read")
        public String archive(ToolContext context) {
            ToolCredential credential = ToolCredential.from(context.getContext());
            if (!credential.scopes().containsAll(Scopes.of("notes.archive"))) {
                throw new InsufficientScopeException("notes.archive");
            }
            return "archived with scopes " + credential.scopes();
        }

        @Tool(description = "Add two numbers")
        public int add(int a, int b) {
            addRuns.incrementAndGet();
            return a + b;
        }
    }

    static final Map<String, List<Call>> SCRIPT = Map.of(
            "list my notes", List.of(new Call("listNotes", "{}")),
            "list my notes with a forged token", List.of(new Call("listNotes", "{\"token\":\"forged\"}")),
            "add and list", List.of(new Call("add", "{\"a\":2,\"b\":3}"), new Call("listNotes", "{}")),
            "notes and crm", List.of(new Call("listNotes", "{}"), new Call("crmWhoAmI", "{}"),
                    new Call("add", "{\"a\":2,\"b\":3}")),
            "report", List.of(new Call("report", "{}")),
            "leak", List.of(new Call("leaky", "{}")),
            "archive", List.of(new Call("archive", "{}")));

    static TestIdp idp;
    static DemoApi api;

    final ScriptedBrowser browser = new ScriptedBrowser();
    final MutableClock clock = MutableClock.now();
    final List<dev.agentauth.core.AuditEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    final ChatMemory memory = MessageWindowChatMemory.builder().maxMessages(100).build();
    ScriptedChatModel model;
    TokenBroker broker;
    NotesTools tools;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
        api = DemoApi.start(idp.server().jwksUrl(TestIdp.ISSUER_ID).toString());
    }

    @AfterAll
    static void stop() {
        api.close();
        idp.close();
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    TokenBroker broker() {
        return TokenBroker.builder()
                .provider(Provider.oauth2("corp").displayName("Corp Notes").issuer(idp.issuer())
                        .clientId("notes-agent").clientSecret("notes-secret").defaultScopes("openid")
                        .scopeDescription("notes.read", "Read your notes")
                        .scopeDescription("notes.archive", "Archive your notes").build())
                .provider(Provider.oauth2("crm").displayName("CRM").issuer(idp.issuer())
                        .clientId("crm-agent").clientSecret("crm-secret").defaultScopes("openid").build())
                .clock(clock).loopbackCallback().auditListener(events::add).build();
    }

    /** An agent with chat memory, the notes tools and the scripted model. */
    AuthenticatedChatClient agent(ConsentMode mode) {
        return agentBuilder(mode).chatMemory(memory).build();
    }

    AuthenticatedChatClient agent() {
        return agent(ConsentMode.INTERRUPT);
    }

    AuthenticatedChatClient.Builder agentBuilder(ConsentMode mode) {
        broker = broker();
        tools = new NotesTools(api);
        model = new ScriptedChatModel(SCRIPT);
        return AuthenticatedChatClient.builder().broker(broker).chatModel(model).tools(tools)
                .consentMode(mode).clock(clock).blockingTimeout(Duration.ofSeconds(20))
                .consentListener(c -> signInLater(c, c.principal().user()));
    }

    /** One chat turn of {@code user} in conversation {@code conversation}: the model's answer. */
    static String chat(AuthenticatedChatClient agent, String user, String conversation, String text) {
        return spec(agent, user, conversation, text).call().content();
    }

    static ChatClient.ChatClientRequestSpec spec(AuthenticatedChatClient agent, String user, String conversation,
                                                 String text) {
        Consumer<ChatClient.AdvisorSpec> params = a -> {
            if (user != null) {
                a.param(AuthenticatedChatClient.USER, user);
            }
            a.param(ChatMemory.CONVERSATION_ID, conversation);
        };
        return agent.chatClient().prompt().user(text).advisors(params);
    }

    void signInLater(ConsentRequirement consent, String user) {
        Thread t = new Thread(() -> browser.authorize(consent.authorizationUri(), user));
        t.setDaemon(true);
        t.start();
    }

    void authorizeAll(ConsentInterrupt interrupt, String user) {
        for (ConsentInterrupt.Consent c : interrupt.consents()) {
            assertThat(browser.authorize(URI.create(c.authorizationUrl()), user).statusCode()).isEqualTo(200);
        }
    }

    /** Every tool call the conversation's memory holds has exactly one response. */
    static void assertEveryToolCallAnswered(List<Message> messages) {
        Set<String> answered = new HashSet<>();
        List<String> asked = new ArrayList<>();
        for (Message m : messages) {
            if (m instanceof AssistantMessage a) {
                a.getToolCalls().forEach(c -> asked.add(c.id()));
            }
            if (m instanceof ToolResponseMessage t) {
                t.getResponses().forEach(r -> assertThat(answered.add(r.id())).as("one response per call").isTrue());
            }
        }
        assertThat(answered).containsExactlyInAnyOrderElementsOf(asked);
    }
}
