package dev.agentauth.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.tools.testing.DemoApi;
import dev.agentauth.tools.testing.ScriptedChatModel;
import dev.agentauth.tools.testing.ScriptedChatModel.Call;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.util.LinkedHashSet;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AuthenticatedToolsTest {

    interface Assistant {
        String chat(@MemoryId String conversation, @UserMessage String message, InvocationParameters parameters);
    }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static String get(URI uri, String authorization) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).header("Authorization", authorization)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 401) {
                throw new TokenRejectedException();
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException("notes API unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
                        .clientId("notes-agent").clientSecret("notes-secret").defaultScopes("openid").build())
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
    void chatWhenNoTokenThenInterruptThenBrowserConsentThenResumeRunsToolOnceAndAnswers() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = agent(model);
        Assistant assistant = agent.aiService(Assistant.class);

        ConsentInterruptException e = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("conv-alice", "list my notes", as("alice")));

        ConsentInterrupt interrupt = e.interrupt();
        assertThat(interrupt.user()).isEqualTo("alice");
        assertThat(interrupt.consents()).singleElement().satisfies(c -> {
            assertThat(c.provider()).isEqualTo("corp");
            assertThat(c.providerDisplayName()).isEqualTo("Corp Notes");
            assertThat(c.scopes()).containsExactly("notes.read", "openid");
            assertThat(c.authorizationUrl()).startsWith(idp.authorizationEndpoint());
        });
        assertThat(interrupt.waitingToolCalls()).singleElement().satisfies(w -> {
            assertThat(w.toolName()).isEqualTo("listNotes");
            assertThat(w.provider()).isEqualTo("corp");
        });
        assertThat(interrupt.toJson()).contains("\"type\":\"consent_interrupt\"", "\"id\":\"" + interrupt.id() + "\"",
                "\"providerDisplayName\":\"Corp Notes\"", "\"authorizationUrl\":\"http", "\"toolName\":\"listNotes\"",
                "\"expiresAt\":\"20");
        assertThat(tools.listRuns).hasValue(0);
        assertEveryToolCallAnswered(agent.chatMemory("conv-alice").messages());

        authorizeAll(interrupt, "alice");
        String answer = agent.resume(interrupt.id(), "alice");

        assertThat(answer).isEqualTo("Answer: listNotes -> notes of alice: [welcome, alice]");
        assertThat(tools.listRuns).hasValue(1);
        assertEveryToolCallAnswered(agent.chatMemory("conv-alice").messages());
        assertThat(agent.chatMemory("conv-alice").messages()).noneMatch(m -> m instanceof ToolExecutionResultMessage r
                && r.text().contains("Waiting for the user"));
        assertThatThrownBy(() -> agent.resume(interrupt.id(), "alice"))
                .isInstanceOfSatisfying(ResumeRejectedException.class,
                        r -> assertThat(r.reason()).isEqualTo(ResumeRejectedException.Reason.UNKNOWN));
        assertThat(tools.listRuns).as("exactly once").hasValue(1);

        // the grant is there now: no interrupt the second time
        assertThat(assistant.chat("conv-alice", "list my notes", as("alice"))).contains("notes of alice");
    }

    @Test
    void resumeWhenConsentNotYetGivenThenPendingAndInterruptKept() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "list my notes", as("alice"))).interrupt();

        assertThatThrownBy(() -> agent.resume(interrupt.id(), "alice"))
                .isInstanceOfSatisfying(ResumeRejectedException.class, r -> {
                    assertThat(r.reason()).isEqualTo(ResumeRejectedException.Reason.CONSENT_PENDING);
                    assertThat(r.interrupt().id()).isEqualTo(interrupt.id());
                });
        assertThat(agent.interrupt(interrupt.id())).isPresent();
    }

    @Test
    void resumeWhenWrongUserThenRejectedAndRightUserStillCan() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "list my notes", as("alice"))).interrupt();
        authorizeAll(interrupt, "alice");

        assertThatThrownBy(() -> agent.resume(interrupt.id(), "mallory"))
                .isInstanceOfSatisfying(ResumeRejectedException.class,
                        r -> assertThat(r.reason()).isEqualTo(ResumeRejectedException.Reason.WRONG_USER));
        assertThat(tools.listRuns).hasValue(0);
        assertThat(agent.resume(interrupt.id(), "alice")).contains("notes of alice");
    }

    @Test
    void resumeWhenUserDeclinedThenModelToldAndConversationGoesOn() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "list my notes", as("alice"))).interrupt();
        URI authorization = URI.create(interrupt.consents().get(0).authorizationUrl());
        String state = com.nimbusds.oauth2.sdk.util.URLUtils.parseParameters(authorization.getRawQuery())
                .get("state").get(0);
        browser.get(URI.create(broker.redirectUri().orElseThrow() + "?error=access_denied&state="
                + URLEncoder.encode(state, StandardCharsets.UTF_8)));

        String answer = agent.resume(interrupt.id(), "alice");

        assertThat(answer).contains("declined to authorize Corp Notes");
        assertThat(tools.listRuns).hasValue(0);
        assertEveryToolCallAnswered(agent.chatMemory("c").messages());
    }

    @Test
    void resumeWhenConsentExpiredThenModelToldExpired() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "list my notes", as("alice"))).interrupt();
        clock.advance(Duration.ofMinutes(11));

        String answer = agent.resume(interrupt.id(), "alice");

        assertThat(answer).contains("expired before the user completed it");
        assertThat(tools.listRuns).hasValue(0);
    }

    @Test
    void chatWhenTwoProvidersMissingThenOneInterruptListsBothAndResumeRunsAllCalls() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "notes and crm", as("bob"))).interrupt();

        assertThat(interrupt.consents()).extracting(ConsentInterrupt.Consent::provider)
                .containsExactlyInAnyOrder("corp", "crm");
        assertThat(interrupt.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::toolName)
                .containsExactly("listNotes", "crmWhoAmI", "add");
        assertEveryToolCallAnswered(agent.chatMemory("c").messages());

        authorizeAll(interrupt, "bob");
        String answer = agent.resume(interrupt.id(), "bob");

        assertThat(answer).isEqualTo("Answer: listNotes -> notes of bob: [welcome, bob] | crmWhoAmI -> sub=bob"
                + " | add -> 5");
        assertEveryToolCallAnswered(agent.chatMemory("c").messages());
    }

    @Test
    void chatWhenToolsRunConcurrentlyForTwoUsersThenEachGetsOwnData() throws Exception {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT), ConsentMode.INTERRUPT, true);
        Assistant assistant = agent.aiService(Assistant.class);
        for (String user : List.of("carol", "dave")) {
            ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                    () -> assistant.chat("conv-" + user, "notes and crm", as(user))).interrupt();
            authorizeAll(i, user);
            assertThat(agent.resume(i.id(), user)).contains("notes of " + user, "sub=" + user);
        }

        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String user = i % 2 == 0 ? "carol" : "dave";
            String conversation = "conv-" + user + "-" + i; // one turn at a time per conversation, as in LangChain4j
            answers.add(pool.submit((Callable<String>) () -> user + "=" + assistant.chat(conversation,
                    "notes and crm", as(user))));
        }
        for (Future<String> f : answers) {
            String a = f.get();
            String user = a.substring(0, a.indexOf('='));
            String other = user.equals("carol") ? "dave" : "carol";
            assertThat(a).contains("notes of " + user, "sub=" + user).doesNotContain(other);
        }
        pool.shutdown();
    }

    @Test
    void agentScopedToolWhenOtherAgentThenSeparateConsentWhileSharedGrantServesBoth() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt forA = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("a", "private notes", as("erin", "agent-a"))).interrupt();
        authorizeAll(forA, "erin");
        assertThat(agent.resume(forA.id(), "erin")).contains("notes of erin");

        assertThatThrownBy(() -> assistant.chat("b", "private notes", as("erin", "agent-b")))
                .isInstanceOf(ConsentInterruptException.class);

        ConsentInterrupt shared = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("a2", "list my notes", as("erin", "agent-a"))).interrupt();
        authorizeAll(shared, "erin");
        agent.resume(shared.id(), "erin");
        assertThat(assistant.chat("b2", "list my notes", as("erin", "agent-b"))).contains("notes of erin");
    }

    @Test
    void m2mAndApiKeyToolsWhenCalledThenNoConsent() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);

        assertThat(assistant.chat("c", "report", as("frank"))).contains("report by sub=notes-agent");
        assertThat(assistant.chat("c", "weather", as("frank"))).contains("sunny in Oslo (key accepted)");
        assertThat(events).filteredOn(e -> e.type() == dev.agentauth.core.AuditEvent.Type.TOKEN_USED)
                .extracting(dev.agentauth.core.AuditEvent::detail).containsExactly("tool report", "tool weather");
    }

    @Test
    void toolWhenApiRejectsTokenOnceThenRefreshedAndRetried() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "list my notes", as("gina"))).interrupt();
        authorizeAll(i, "gina");
        agent.resume(i.id(), "gina");
        String current = broker.tokenOrThrow(TokenRequest.builder().provider("corp").scopes("notes.read")
                .principal(Principal.user("gina")).build()).value();
        api.rejectOnce(current);
        idp.drainRequests();

        String answer = assistant.chat("c", "list my notes", as("gina"));

        assertThat(answer).contains("notes of gina");
        assertThat(idp.drainTokenRequests()).as("one refresh").isEqualTo(1);
        assertThat(tools.listRuns).hasValue(3); // resume, rejected attempt, retry
    }

    @Test
    void toolWhenApiRejectsRefreshedTokenTooThenConsentAgain() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt first = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "list my notes", as("nina"))).interrupt();
        authorizeAll(first, "nina");
        agent.resume(first.id(), "nina");
        api.rejectNext(2);

        ConsentInterrupt again = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "list my notes", as("nina"))).interrupt();

        assertThat(again.consents()).singleElement().satisfies(c -> assertThat(c.provider()).isEqualTo("corp"));
        authorizeAll(again, "nina");
        assertThat(agent.resume(again.id(), "nina")).contains("notes of nina");
    }

    @Test
    void toolWhenApiNeedsMoreScopesThenIncrementalConsentForUnion() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt first = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "archive", as("oscar"))).interrupt();
        assertThat(first.consents().get(0).scopes()).containsExactly("notes.read", "openid");
        authorizeAll(first, "oscar");

        ConsentInterruptException stepUp = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.resume(first.id(), "oscar"));

        assertThat(stepUp.interrupt().consents()).singleElement().satisfies(c ->
                assertThat(c.scopes()).containsExactly("notes.archive", "notes.read", "openid"));
        assertEveryToolCallAnswered(agent.chatMemory("c").messages());
        authorizeAll(stepUp.interrupt(), "oscar");
        assertThat(agent.resume(stepUp.interrupt().id(), "oscar"))
                .contains("archived with scopes notes.archive notes.read openid");
    }

    @Test
    void blockingModeWhenUserAuthorizesDuringCallThenAnswerWithoutInterrupt() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT), ConsentMode.BLOCKING, false);

        String answer = agent.aiService(Assistant.class).chat("c", "list my notes", as("henry"));

        assertThat(answer).contains("notes of henry");
    }

    @Test
    void tellTheModelModeWhenNoTokenThenResultAsksUserToAuthorize() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT), ConsentMode.TELL_MODEL, false);

        String answer = agent.aiService(Assistant.class).chat("c", "list my notes", as("ivy"));

        assertThat(answer).contains("Authorization needed: ivy has not connected Corp Notes",
                idp.authorizationEndpoint());
        assertThat(tools.listRuns).hasValue(0);
    }

    @Test
    void chatWhenNoUserInInvocationThenToolErrorNotAnotherUsersToken() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));

        String answer = agent.aiService(Assistant.class).chat("c", "list my notes", new InvocationParameters());

        assertThat(answer).contains("no user for this tool call");
        assertThat(tools.listRuns).hasValue(0);
    }

    @Test
    void chatWhenModelSendsTokenArgumentThenIgnoredAndRealTokenUsed() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "list my notes", as("jack"))).interrupt();
        authorizeAll(i, "jack");
        agent.resume(i.id(), "jack");
        api.receivedTokens().clear();

        assertThat(assistant.chat("c", "list my notes with a forged token", as("jack"))).contains("notes of jack");
        assertThat(api.receivedTokens()).doesNotContain("forged");
    }

    @Test
    void toolWhenItReturnsItsTokenThenRedactedBeforeTheModel() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = agent(model);
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "leak", as("kim"))).interrupt();
        authorizeAll(i, "kim");

        String answer = agent.resume(i.id(), "kim");

        assertThat(answer).contains("my token is [redacted credential]");
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
    @Test
    void everyModelRequestAndMemoryMessageWhenToolsRunThenNoTokenAnywhere() {
        dev.agentauth.core.testing.LogCapture logs = dev.agentauth.core.testing.LogCapture.start();
        List<String> seen = new ArrayList<>();
        dev.agentauth.tools.testing.ScriptedChatModel model =
                new dev.agentauth.tools.testing.ScriptedChatModel(SCRIPT);
        try {
            AuthenticatedAgent agent = agent(model);
            Assistant assistant = agent.aiService(Assistant.class);
            api.receivedTokens().clear();

            ConsentInterruptException e = catchThrowableOfType(ConsentInterruptException.class,
                    () -> assistant.chat("s", "notes and crm", as("leo")));
            seen.add(e.getMessage());
            seen.add(e.interrupt().toJson());
            authorizeAll(e.interrupt(), "leo");
            seen.add(agent.resume(e.interrupt().id(), "leo"));
            seen.add(assistant.chat("s", "list my notes", as("leo")));
            seen.add(assistant.chat("s", "report", as("leo")));
            seen.add(assistant.chat("s", "weather", as("leo")));
            seen.add(assistant.chat("s", "leak", as("leo")));
            String current = broker.tokenOrThrow(TokenRequest.builder().provider("corp").scopes("notes.read")
                    .principal(Principal.user("leo")).build()).value();
            api.rejectOnce(current);
            seen.add(assistant.chat("s", "list my notes", as("leo")));
            for (ChatMessage m : agent.chatMemory("s").messages()) {
                seen.add(m.toString());
            }
            for (ChatRequest r : model.requests()) {
                seen.add(r.toString());
                seen.add(r.messages().toString());
                seen.add(String.valueOf(r.toolSpecifications()));
            }
            seen.add(agent.toolSpecifications().toString());
        } finally {
            logs.close();
        }
        seen.addAll(logs.projectLines());
        Set<String> secrets = new LinkedHashSet<>(api.receivedTokens());
        secrets.add(WEATHER_KEY);
        assertThat(secrets).as("tokens were really used").hasSizeGreaterThanOrEqualTo(4);
        assertThat(model.requests()).hasSizeGreaterThan(5);
        for (String secret : secrets) {
            assertThat(seen).noneMatch(s -> s != null && s.contains(secret));
        }
        assertThat(String.join("\n", seen)).doesNotContain("\"token\"").contains("[redacted credential]");
    }

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
