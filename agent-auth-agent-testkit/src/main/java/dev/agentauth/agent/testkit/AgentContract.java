package dev.agentauth.agent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenBrokerBuilder;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.ScriptedBrowser;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every contract class shares: the {@link AgentHarness} the adapter supplies, the real parts on loopback (the
 * identity provider and the notes API, started once per JVM), brokers and agents built for each test and closed after
 * it, a scripted browser that signs in at the identity provider's login form, and the checks of chat memory. Extend
 * the contract classes ({@link ConsentInterruptContract}, {@link ReauthorizationContract},
 * {@link ConsentModesContract}, {@link StreamingContract}, {@link TokenIsolationContract},
 * {@link SecretLeakContract}, {@link ReplicasContract}), not this one.
 *
 * <p>Each test builds its own brokers and agents, and closes them after. Tests start threads of their own and block on
 * the agents; the tests of one JVM run one at a time (they read the identity provider's request log).
 *
 * @since 0.3.0
 */
public abstract class AgentContract {

    /** The user's messages of the contract's {@link ModelScript}. */
    static final String LIST = "list my notes";
    static final String ARCHIVE = "archive my notes";
    static final String FORGED = "list my notes with a forged token";

    final ScriptedBrowser browser = new ScriptedBrowser();
    Fixtures fixtures;
    private final List<AgentUnderTest> agents = new ArrayList<>();
    private final List<TokenBroker> brokers = new ArrayList<>();

    AgentContract() {
    }

    /** The adapter's harness: builds its framework's agent for each test. */
    protected abstract AgentHarness harness();

    @BeforeEach
    public void startContractFixtures() {
        fixtures = Fixtures.shared();
    }

    @AfterEach
    public void closeContractAgents() throws Exception {
        for (AgentUnderTest a : agents) {
            a.close();
        }
        for (TokenBroker b : brokers) {
            b.close();
        }
    }

    /** The model every test uses: a tool call per scripted message, then an answer quoting the results. */
    static ModelScript script() {
        return ModelScript.builder()
                .call(LIST, ContractTools.LIST_NOTES, "{}")
                .call(ARCHIVE, ContractTools.ARCHIVE_NOTES, "{}")
                .call(FORGED, ContractTools.LIST_NOTES, "{\"token\":\"forged\"}")
                .build();
    }

    /** The corp provider at the test identity provider, its scopes described for the card. */
    Provider corp() {
        return Provider.oauth2(ContractTools.PROVIDER).displayName(ContractTools.PROVIDER_DISPLAY_NAME)
                .issuer(fixtures.idp.issuer()).clientId("notes-agent").clientSecret("notes-secret")
                .defaultScopes("openid").scopeDescription("notes.read", "Read your notes")
                .scopeDescription(ContractTools.ARCHIVE_SCOPE, "Archive your notes").build();
    }

    /** A broker with {@link #corp()}, an in-memory store and the loopback callback the scripted browser lands on. */
    TokenBroker broker() {
        return broker(TokenStore.inMemory());
    }

    TokenBroker broker(TokenStore store) {
        return broker(b -> b.tokenStore(store).loopbackCallback());
    }

    /** A broker with {@link #corp()} and what {@code more} sets; closed after the test. */
    TokenBroker broker(Consumer<TokenBrokerBuilder> more) {
        TokenBrokerBuilder b = TokenBroker.builder().provider(corp());
        more.accept(b);
        TokenBroker broker = b.build();
        brokers.add(broker);
        return broker;
    }

    /** An agent in interrupt mode on a new broker. */
    TestAgent agent() {
        return agent(broker(), ConsentMode.INTERRUPT, false, consent -> { }, Duration.ofSeconds(20), null);
    }

    /** An agent of the harness's on {@code broker}; closed after the test. */
    TestAgent agent(TokenBroker broker, ConsentMode mode, boolean streaming, ConsentListener listener,
                    Duration blockingTimeout, ConversationStore conversations) {
        ContractTools tools = new ContractTools(fixtures.api.uri("/notes"));
        ModelScript model = script();
        AgentUnderTest agent = harness().agent(new AgentSetup(broker, broker.interruptStore(), tools, model, mode,
                blockingTimeout, listener, streaming, conversations));
        assertThat(agent).as("the harness built an agent").isNotNull();
        agents.add(agent);
        return new TestAgent(broker, agent, tools, model);
    }

    /** An agent the harness built, with its broker, tools and model. */
    static final class TestAgent {
        final TokenBroker broker;
        final AgentUnderTest agent;
        final ContractTools tools;
        final ModelScript model;

        TestAgent(TokenBroker broker, AgentUnderTest agent, ContractTools tools, ModelScript model) {
            this.broker = broker;
            this.agent = agent;
            this.tools = tools;
            this.model = model;
        }

        /** {@code user}'s message ends with a consent interrupt: its interrupt. */
        ConsentInterrupt interrupted(String user, String conversation, String message) {
            return interruptOf(() -> agent.send(user, conversation, message));
        }

        List<NeutralMessage> memory(String conversation) {
            return agent.memory(conversation);
        }
    }

    /** The scripted browser signs in as {@code user} for every consent of the interrupt, through the loopback. */
    void authorize(ConsentInterrupt interrupt, String user) {
        for (ConsentInterrupt.Consent c : interrupt.consents()) {
            assertThat(browser.authorize(URI.create(c.authorizationUrl()), user).statusCode())
                    .as("the loopback callback completed the consent").isEqualTo(200);
        }
    }

    /** The user connects: a turn interrupted, the consent given in the browser, the turn resumed. */
    Reply connect(TestAgent a, String user, String conversation) {
        ConsentInterrupt interrupt = a.interrupted(user, conversation, LIST);
        authorize(interrupt, user);
        return a.agent.resume(interrupt.id(), user);
    }

    /** The interrupt {@code call} ends with; fails when it ends otherwise. */
    static ConsentInterrupt interruptOf(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("the turn ends with a consent interrupt").isInstanceOf(ConsentInterruptException.class);
        return ((ConsentInterruptException) thrown).interrupt();
    }

    /** Why {@code call} (a resume or decline) was refused; fails when it was not. */
    static ResumeRejectedException rejection(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("refused").isInstanceOf(ResumeRejectedException.class);
        return (ResumeRejectedException) thrown;
    }

    /** What the notes API answers for {@code user}'s token. */
    static String notesOf(String user) {
        return "notes of " + user + ": [welcome, " + user + "]";
    }

    /** What the model answers once {@code tool} returned {@code result}. */
    static String answer(String tool, String result) {
        return ModelScript.quote(List.of(new NeutralMessage.ToolResult("-", tool, result)));
    }

    /** The {@code sub} of a token the identity provider issued (the notes API verified its signature). */
    static String subject(String token) {
        try {
            return SignedJWT.parse(token).getJWTClaimsSet().getSubject();
        } catch (ParseException e) {
            throw new AssertionError("a tool was given something that is not the identity provider's JWT", e);
        }
    }

    /** Every tool call of the model in chat memory has exactly one result, and no result answers nothing. */
    static void assertEveryToolCallAnswered(List<NeutralMessage> memory) {
        List<String> asked = new ArrayList<>();
        List<String> answered = new ArrayList<>();
        for (NeutralMessage m : memory) {
            if (m instanceof NeutralMessage.Assistant a) {
                a.toolCalls().forEach(c -> asked.add(c.id()));
            } else if (m instanceof NeutralMessage.ToolResult r) {
                answered.add(r.callId());
            }
        }
        assertThat(answered).as("one result per tool call in chat memory, and none without its call")
                .containsExactlyInAnyOrderElementsOf(asked);
    }

    /** The model's last call of {@code tool} in chat memory. */
    static ToolCall lastCall(List<NeutralMessage> memory, String tool) {
        ToolCall found = null;
        for (NeutralMessage m : memory) {
            if (m instanceof NeutralMessage.Assistant a) {
                for (ToolCall c : a.toolCalls()) {
                    if (c.name().equals(tool)) {
                        found = c;
                    }
                }
            }
        }
        assertThat(found).as("the model's call of " + tool + " is in chat memory").isNotNull();
        return found;
    }

    /** The results in chat memory of the call {@code callId}. */
    static List<String> resultsOf(List<NeutralMessage> memory, String callId) {
        List<String> out = new ArrayList<>();
        for (NeutralMessage m : memory) {
            if (m instanceof NeutralMessage.ToolResult r && r.callId().equals(callId)) {
                out.add(r.text());
            }
        }
        return out;
    }

    /** How many times the user said {@code text} in chat memory. */
    static long said(List<NeutralMessage> memory, String text) {
        return memory.stream().filter(m -> m instanceof NeutralMessage.User u && u.text().equals(text)).count();
    }
}
