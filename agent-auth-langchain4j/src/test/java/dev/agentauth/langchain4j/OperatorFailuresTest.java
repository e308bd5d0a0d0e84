package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.agent.TokenRejectedException;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRefusedException;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.langchain4j.testing.ScriptedChatModel.Call;
import dev.agentauth.langchain4j.testing.ScriptedStreamingChatModel;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.TokenStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Failures that are the operator's to fix — the provider refuses the agent's client, no redirect URI for a consent —
 * leave the AI-service call as typed exceptions with a WARN and never reach the model; transient and user failures are
 * told to the model. The identity provider is real (mock-oauth2-server); a {@link FlakyGateway} in front of its token
 * endpoint answers what a provider answers to a wrong client secret.
 */
class OperatorFailuresTest extends AgentToolsTestBase {

    static final String SECRET = "notes-secret-do-not-print";
    static final Map<String, List<Call>> SCRIPT = Map.of(
            "report", List.of(new Call("report", "{}")),
            "report and add", List.of(new Call("report", "{}"), new Call("add", "{\"a\":2,\"b\":3}")),
            "list my notes", List.of(new Call("listNotes", "{}")),
            "source notes", List.of(new Call("source_notes", "{}")),
            "refused report", List.of(new Call("refusedReport", "{}")));

    FlakyGateway gateway;

    @BeforeEach
    void gateway() {
        gateway = FlakyGateway.to(URI.create(idp.server().baseUrl().toString()));
    }

    @AfterEach
    void closeGateway() {
        gateway.close();
    }

    /**
     * The notes tools' providers, "corp" with its token endpoint behind the gateway; a loopback callback unless
     * {@code redirect} is false.
     */
    TokenBroker broker(boolean redirect) {
        var b = TokenBroker.builder().provider(Provider.oauth2("corp").displayName("Corp Notes").issuer(idp.issuer())
                        .tokenEndpoint(gateway.url(URI.create(idp.tokenEndpoint()).getPath()))
                        .clientId("notes-agent").clientSecret(SECRET).defaultScopes("openid").build())
                .provider(Provider.oauth2("crm").issuer(idp.issuer()).clientId("crm-agent").clientSecret("crm-secret")
                        .build())
                .provider(Provider.apiKey("weather").build());
        if (redirect) {
            b.loopbackCallback();
        }
        broker = b.build();
        return broker;
    }

    /** The notes tools on {@link #broker(boolean) that broker}. */
    AuthenticatedAgent gatewayAgent(ScriptedChatModel model, ConsentMode mode, boolean concurrent) {
        tools = new NotesTools(api);
        AuthenticatedAgent.Builder b = AuthenticatedAgent.builder().broker(broker(true)).chatModel(model).tools(tools)
                .consentMode(mode);
        if (concurrent) {
            b.executeToolsConcurrently();
        }
        return b.build();
    }

    /** Everything the model was sent, as text. */
    static String seenByModel(List<ChatRequest> requests) {
        return requests.stream().flatMap(r -> r.messages().stream()).map(String::valueOf)
                .collect(Collectors.joining("\n"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "401, invalid_client, check the client id, secret and authentication method",
            "400, unauthorized_client, the client is not allowed this grant type at the provider"})
    void clientCredentialsToolWhenTheProviderRefusesTheClientThenThrownWithWarnAndTheModelToldNothing(
            int status, String error, String whatToFix) {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = gatewayAgent(model, ConsentMode.INTERRUPT, false);
        Assistant assistant = agent.aiService(Assistant.class);
        gateway.answerNextWith(status, Map.of(), "{\"error\":\"" + error + "\",\"error_description\":\"refused\"}");

        try (LogCapture logs = LogCapture.start()) {
            TokenRefusedException e = catchThrowableOfType(TokenRefusedException.class,
                    () -> assistant.chat("ops", "report", as("alice")));

            assertThat(e).as("a typed exception out of the AI-service call").isNotNull();
            assertThat(e.oauthError()).isEqualTo(error);
            assertThat(e.provider()).isEqualTo(ProviderId.of("corp"));
            assertThat(e.getMessage()).contains("provider 'corp'", error, whatToFix).doesNotContain(SECRET);
            assertThat(logs.projectWarnings()).as("one WARN naming the tool, the provider and what to fix")
                    .filteredOn(l -> l.contains("tool report (provider corp)")).singleElement()
                    .satisfies(l -> assertThat(l).contains(error, whatToFix, "TokenRefusedException")
                            .doesNotContain(SECRET));
            assertThat(String.join("\n", logs.projectLines())).doesNotContain(SECRET);
        }
        assertThat(model.requests()).as("no second model request carrying the error").hasSize(1);
        // The next turn of the conversation: memory is valid, and the model never sees the failure's text.
        assertThat(assistant.chat("ops", "report", as("alice"))).contains("report by");
        assertEveryToolCallAnswered(agent.chatMemory("ops").messages());
        assertThat(seenByModel(model.requests())).doesNotContain(error, "refused", "provider 'corp'", SECRET);
    }

    @ParameterizedTest
    @EnumSource(ConsentMode.class)
    void aRefusedClientIsThrownInEveryConsentModeAndWithConcurrentTools(ConsentMode mode) {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = gatewayAgent(model, mode, true);
        gateway.answerNextWith(401, Map.of(), "{\"error\":\"invalid_client\"}");

        assertThatThrownBy(() -> agent.aiService(Assistant.class).chat("c-" + mode, "report and add", as("bob")))
                .isInstanceOf(TokenRefusedException.class).hasMessageContaining("invalid_client");

        List<dev.langchain4j.data.message.ChatMessage> memory = agent.chatMemory("c-" + mode).messages();
        assertEveryToolCallAnswered(memory);
        assertThat(memory).filteredOn(m -> m instanceof ToolExecutionResultMessage).isNotEmpty()
                .allSatisfy(m -> assertThat(((ToolExecutionResultMessage) m).text()).doesNotContain("invalid_client"));
        assertThat(seenByModel(model.requests())).doesNotContain("invalid_client");
    }

    @Test
    void aStreamedTurnEndsWithTheRefusedClientOnItsErrorHandler() throws Exception {
        ScriptedStreamingChatModel model = new ScriptedStreamingChatModel(SCRIPT);
        AuthenticatedAgent agent = AuthenticatedAgent.builder().broker(broker(true)).streamingChatModel(model)
                .tools(new NotesTools(api)).build();
        gateway.answerNextWith(401, Map.of(), "{\"error\":\"invalid_client\"}");
        CompletableFuture<Throwable> ended = new CompletableFuture<>();

        agent.aiService(StreamingAssistant.class).chat("s", "report", as("carol"))
                .onPartialResponse(p -> { }).onCompleteResponse(r -> ended.complete(null))
                .onError(ended::complete).start();

        assertThat(ended.get(20, TimeUnit.SECONDS)).isInstanceOf(TokenRefusedException.class);
        assertEveryToolCallAnswered(agent.chatMemory("s").messages());
        assertThat(seenByModel(model.requests())).doesNotContain("invalid_client");
    }

    interface StreamingAssistant {
        TokenStream chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String message,
                         dev.langchain4j.invocation.InvocationParameters parameters);
    }

    @Test
    void theProviderTemporarilyUnavailableIsToldToTheModelNotThrown() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = gatewayAgent(model, ConsentMode.INTERRUPT, false);
        gateway.mode(FlakyGateway.Mode.UNAVAILABLE);

        String answer = agent.aiService(Assistant.class).chat("t", "report", as("dora"));

        assertThat(answer).contains("report -> The tool could not run: Corp Notes is temporarily unavailable. Try"
                + " again later.");
    }

    @Test
    void aResumedCallThatFailsOnTheConfigurationThrowsOutOfResumeAndLeavesMemoryValid() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        ConfigurableTools configurable = new ConfigurableTools();
        AuthenticatedAgent agent = AuthenticatedAgent.builder().broker(broker(true)).chatModel(model)
                .tools(configurable).build();
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("res", "list my notes", as("gina"))).interrupt();
        authorizeAll(interrupt, "gina");
        configurable.misconfigured = true;

        try (LogCapture logs = LogCapture.start()) {
            assertThatThrownBy(() -> agent.resume(interrupt.id(), "gina"))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("set notes.url");
            assertThat(logs.projectWarnings()).anyMatch(l -> l.contains("tool listNotes (provider corp)"));
        }
        assertEveryToolCallAnswered(agent.chatMemory("res").messages());
        assertThat(seenByModel(model.requests())).doesNotContain("notes.url");
    }

    /** A consent tool that fails on its own configuration once told to. */
    static final class ConfigurableTools {
        volatile boolean misconfigured;

        @Tool("My notes")
        @AuthenticatedTool(provider = "corp", scopes = "notes.read")
        public String listNotes(@InjectToken String token) {
            if (misconfigured) {
                throw new ConfigurationException("the notes API's address is missing: set notes.url",
                        ProviderId.of("corp"), null);
            }
            return "notes";
        }
    }

    @Test
    void anApiThatRefusesTheAgentsOwnFreshTokenIsAConfigurationExceptionNotToldToTheModel() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = AuthenticatedAgent.builder().broker(broker(true)).chatModel(model)
                .tools(new AgentOnlyTools()).build();

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> agent.aiService(Assistant.class).chat("api", "refused report", as("fay")));

        assertThat(e.getMessage()).contains("the corp API rejected the agent's credential again", "no user can fix");
        assertThat(e.provider()).isEqualTo(ProviderId.of("corp"));
        assertThat(model.requests()).hasSize(1);
        assertEveryToolCallAnswered(agent.chatMemory("api").messages());
    }

    @Test
    void buildWhenAToolNeedsAConsentRedirectAndTheBrokerHasNoneThenConfigurationException() {
        TokenBroker noRedirect = broker(false);

        assertThatThrownBy(() -> AuthenticatedAgent.builder().broker(noRedirect)
                .chatModel(new ScriptedChatModel(SCRIPT)).tools(new ConsentTools()).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("tool listNotes needs the user's consent at provider 'corp'")
                .hasMessageContaining("redirectUri(...)").hasMessageContaining(".loopbackCallback()")
                .hasMessageContaining("deviceAuthorization(true)")
                .satisfies(e -> assertThat(((ConfigurationException) e).provider()).isEqualTo(ProviderId.of("corp")));
        // Tools that act as the agent itself need no redirect.
        assertThat(AuthenticatedAgent.builder().broker(noRedirect).chatModel(new ScriptedChatModel(SCRIPT))
                .tools(new AgentOnlyTools()).build()).isNotNull();
    }

    @Test
    void buildWhenTheConsentProviderUsesTheDeviceGrantThenNoRedirectIsNeeded() {
        broker = TokenBroker.builder().provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("notes-agent")
                .clientSecret(SECRET).deviceAuthorizationEndpoint(idp.issuer() + "/device").build()).build();

        assertThat(AuthenticatedAgent.builder().broker(broker).chatModel(new ScriptedChatModel(SCRIPT))
                .tools(new ConsentTools()).build()).isNotNull();
    }

    @Test
    void buildWhenAToolNamesAnUnknownProviderThenConfigurationException() {
        assertThatThrownBy(() -> AuthenticatedAgent.builder().broker(broker(true))
                .chatModel(new ScriptedChatModel(SCRIPT)).tools(new UnknownProviderTools()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown provider 'nowhere'");
    }

    @Test
    void aToolSourceNeedingAConsentWithoutARedirectUriThrowsAtTheCall() {
        TokenBroker noRedirect = broker(false);
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = AuthenticatedAgent.builder().broker(noRedirect).chatModel(model)
                .toolSources(new UserConsentSource(noRedirect)).build();

        try (LogCapture logs = LogCapture.start()) {
            ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                    () -> agent.aiService(Assistant.class).chat("src", "source notes", as("erin")));

            assertThat(e.getMessage()).contains("provider 'corp': user consent needs a redirect URI");
            assertThat(logs.projectWarnings()).anyMatch(l -> l.contains("tool source_notes (provider corp)")
                    && l.contains("redirectUri(...)"));
        }
        assertThat(model.requests()).hasSize(1);
        assertEveryToolCallAnswered(agent.chatMemory("src").messages());
    }

    /** Only tools that act as the agent itself. */
    static final class AgentOnlyTools {
        @Tool("Nightly report, as the agent itself")
        @AuthenticatedTool(provider = "corp", flow = Flow.CLIENT_CREDENTIALS, scopes = "reports")
        public String report(@InjectToken String token) {
            return "report";
        }

        @Tool("A report from an API that refuses the agent's tokens")
        @AuthenticatedTool(provider = "corp", flow = Flow.CLIENT_CREDENTIALS, scopes = "reports")
        public String refusedReport(@InjectToken String token) {
            throw new TokenRejectedException();
        }
    }

    /** One tool that needs the user's consent. */
    static final class ConsentTools {
        @Tool("My notes")
        @AuthenticatedTool(provider = "corp", scopes = "notes.read")
        public String listNotes(@InjectToken String token) {
            return "notes";
        }
    }

    static final class UnknownProviderTools {
        @Tool("Something elsewhere")
        @AuthenticatedTool(provider = "nowhere")
        public String elsewhere(@InjectToken String token) {
            return "never";
        }
    }

    /** A tool source whose one tool asks the broker for the user's token (as an MCP server does). */
    record UserConsentSource(TokenBroker broker) implements ToolSource {
        @Override
        public List<dev.agentauth.agent.ToolDescriptor> tools(Principal principal) {
            return List.of(new dev.agentauth.agent.ToolDescriptor("source_notes", "Notes elsewhere", null));
        }

        @Override
        public Outcome execute(Principal principal, dev.agentauth.agent.ToolCall call) {
            broker.token(TokenRequest.forUser("corp", principal.user(), "notes.read"));
            return new Outcome.Completed("never reached", false);
        }
    }
}
