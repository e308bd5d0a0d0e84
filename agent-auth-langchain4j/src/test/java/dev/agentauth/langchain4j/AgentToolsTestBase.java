package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.agent.InsufficientScopeException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.DemoApi;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.langchain4j.testing.ScriptedChatModel.Call;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the agent tests share: a real identity provider, the demo notes API on loopback, notes tools, a scripted model
 * and helpers for signing in and checking chat memory. Each subclass tests one concern.
 */
abstract class AgentToolsTestBase {

    interface Assistant {
        String chat(@MemoryId String conversation, @UserMessage String message, InvocationParameters parameters);
    }

    static String get(URI uri, String authorization) {
        return DemoApi.get(uri, authorization, dev.agentauth.agent.TokenRejectedException::new);
    }

    /** Tools against the demo notes API, counting their runs. */
    static final class NotesTools {
        final DemoApi api;
        final AtomicInteger listRuns = new AtomicInteger();

        NotesTools(DemoApi api) {
            this.api = api;
        }

        @Tool("List my notes")
        @AuthenticatedTool(provider = "corp", scopes = "notes.read")
        public String listNotes(@InjectToken String token) {
            listRuns.incrementAndGet();
            return get(api.uri("/notes"), "Bearer " + token);
        }

        @Tool("Who am I at the CRM")
        @AuthenticatedTool(provider = "crm", scopes = "crm.read")
        public String crmWhoAmI(ToolCredential credential) {
            return get(api.uri("/whoami"), credential.authorizationHeader());
        }

        @Tool("Agent-scoped notes")
        @AuthenticatedTool(provider = "corp", agentScoped = true)
        public String privateNotes(@InjectToken String token) {
            return get(api.uri("/notes"), "Bearer " + token);
        }

        @Tool("Nightly report, as the agent itself")
        @AuthenticatedTool(provider = "corp", flow = Flow.CLIENT_CREDENTIALS, scopes = "reports")
        public String report(@InjectToken String token) {
            return "report by " + get(api.uri("/whoami"), "Bearer " + token);
        }

        @Tool("Weather in a city")
        @AuthenticatedTool(provider = "weather", flow = Flow.API_KEY)
        public String weather(@InjectToken String apiKey, String city) {
            return "sunny in " + city + (apiKey.equals(WEATHER_KEY) ? " (key accepted)" : " (bad key)");
        }

        @Tool("A tool that leaks its token")
        @AuthenticatedTool(provider = "corp")
        public String leaky(@InjectToken String token) {
            return "my token is " + token;
        }

        @Tool("Archive my notes (the API wants notes.archive)")
        @AuthenticatedTool(provider = "corp", scopes = "notes.read")
        public String archive(ToolCredential credential) {
            if (!credential.scopes().containsAll(dev.agentauth.core.Scopes.of("notes.archive"))) {
                throw new InsufficientScopeException("notes.archive");
            }
            return "archived with scopes " + credential.scopes();
        }

        @Tool("Add two numbers")
        public int add(int a, int b) {
            return a + b;
        }
    }

    static final String WEATHER_KEY = "weather-api-key-123";
    static TestIdp idp;
    static DemoApi api;

    final ScriptedBrowser browser = new ScriptedBrowser();
    final MutableClock clock = MutableClock.now();
    final List<dev.agentauth.core.AuditEvent> events = new CopyOnWriteArrayList<>();
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

    static final Map<String, List<Call>> SCRIPT = Map.of(
            "list my notes", List.of(new Call("listNotes", "{}")),
            "list my notes with a forged token", List.of(new Call("listNotes", "{\"token\":\"forged\"}")),
            "notes and crm", List.of(new Call("listNotes", "{}"), new Call("crmWhoAmI", "{}"),
                    new Call("add", "{\"a\":2,\"b\":3}")),
            "private notes", List.of(new Call("privateNotes", "{}")),
            "report", List.of(new Call("report", "{}")),
            "weather", List.of(new Call("weather", "{\"city\":\"Oslo\"}")),
            "leak", List.of(new Call("leaky", "{}")),
            "archive", List.of(new Call("archive", "{}")));

    AuthenticatedAgent agent(ScriptedChatModel model, ConsentMode mode, boolean concurrent) {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").displayName("Corp Notes").issuer(idp.issuer())
                        .clientId("notes-agent").clientSecret("notes-secret").defaultScopes("openid")
                        .scopeDescription("notes.read", "Read your notes")
                        .scopeDescription("notes.archive", "Archive your notes").build())
                .provider(Provider.oauth2("crm").displayName("CRM").issuer(idp.issuer())
                        .clientId("crm-agent").clientSecret("crm-secret").defaultScopes("openid").build())
                .provider(Provider.apiKey("weather").apiKey(Secret.of(WEATHER_KEY)).build())
                .clock(clock).loopbackCallback().auditListener(events::add).build();
        tools = new NotesTools(api);
        AuthenticatedAgent.Builder b = AuthenticatedAgent.builder().broker(broker).chatModel(model).tools(tools)
                .consentMode(mode).clock(clock).blockingTimeout(Duration.ofSeconds(20))
                .consentListener(c -> signInLater(c, c.principal().user()));
        if (concurrent) {
            b.executeToolsConcurrently();
        }
        return b.build();
    }

    AuthenticatedAgent agent(ScriptedChatModel model) {
        return agent(model, ConsentMode.INTERRUPT, false);
    }

    static InvocationParameters as(String user) {
        return InvocationParameters.from(PrincipalResolver.USER, user);
    }

    static InvocationParameters as(String user, String agent) {
        return InvocationParameters.from(Map.of(PrincipalResolver.USER, user, PrincipalResolver.AGENT, agent));
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

    static void assertEveryToolCallAnswered(List<ChatMessage> memory) {
        Set<String> answered = new HashSet<>();
        List<String> asked = new ArrayList<>();
        for (ChatMessage m : memory) {
            if (m instanceof AiMessage ai && ai.hasToolExecutionRequests()) {
                ai.toolExecutionRequests().forEach(r -> asked.add(r.id()));
            }
            if (m instanceof ToolExecutionResultMessage r) {
                assertThat(answered.add(r.id())).as("one result per call").isTrue();
            }
        }
        assertThat(answered).containsExactlyInAnyOrderElementsOf(asked);
    }

    // ------------------------------------------------------------------------------------------------------------

    // used by the security test
    static List<ToolExecutionRequest> calls(List<ChatMessage> messages) {
        List<ToolExecutionRequest> out = new CopyOnWriteArrayList<>();
        messages.stream().filter(m -> m instanceof AiMessage a && a.hasToolExecutionRequests())
                .forEach(m -> out.addAll(((AiMessage) m).toolExecutionRequests()));
        return out;
    }

    static ProviderId corp() {
        return ProviderId.of("corp");
    }
}

