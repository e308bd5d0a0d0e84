package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderBuilder;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas: two brokers, each with its own PostgreSQL store (own pool) on one real PostgreSQL database, against a
 * real identity provider.
 */
class PostgresReplicasTest {

    static final String DB = "replicas";
    static final URI REDIRECT = URI.create("https://agent.example.com/oauth/callback");
    static final TokenRequest REQUEST = TokenRequest.forUser("corp", "alice");
    static final GrantKey ALICE = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "alice", GrantKey.SHARED, "");
    static final String KEYSET = TokenEncryption.generateKeyset();

    static EmbeddedPg pg;
    static DataSource admin;
    static TestIdp idp;
    static TestIdp rotatingIdp;
    static FlakyGateway gateway;

    final MutableClock clock = MutableClock.now();
    final ScriptedBrowser browser = new ScriptedBrowser();
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void start() {
        pg = EmbeddedPg.shared();
        admin = pg.database(DB);
        idp = TestIdp.start(false);
        rotatingIdp = TestIdp.start(true);
        gateway = FlakyGateway.to(URI.create(idp.issuer()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        idp.close();
        rotatingIdp.close();
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        store().close(); // creates the schema on first use
        sql("TRUNCATE agentauth_grant, agentauth_consent, agentauth_consent_outcome, agentauth_interrupt");
    }

    @AfterEach
    void closeAll() throws Exception {
        gateway.mode(FlakyGateway.Mode.PASS);
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    TokenStore store() {
        return TokenStores.postgres().jdbcUrl(pg.jdbcUrl(DB)).encryption(TokenEncryption.fromEnvironment("KEYSET",
                name -> KEYSET)).build();
    }

    /** A replica: a broker with a store of its own on the shared database. */
    TokenBroker replica(TestIdp server, boolean throughGateway) {
        ProviderBuilder p = Provider.oauth2("corp").issuer(server.issuer()).clientId("agent-client")
                .clientSecret("client-secret-value").defaultScopes("openid");
        if (throughGateway) {
            p.tokenEndpoint(gateway.url(URI.create(server.tokenEndpoint()).getPath()));
        }
        TokenBroker broker = TokenBroker.builder().provider(p.build()).clock(clock).tokenStore(store())
                .redirectUri(REDIRECT).readTimeout(Duration.ofSeconds(20)).build();
        closing.add(broker);
        return broker;
    }

    /** Alice consents: started on {@code starter}, the browser's callback handled by {@code receiver}. */
    AccessToken consent(TokenBroker starter, TokenBroker receiver, TestIdp server) {
        ConsentRequirement c = ((TokenResult.ConsentRequired) starter.token(REQUEST)).consent();
        URI callback = browser.signIn(c.authorizationUri(), "alice");
        ConsentCallbackResult r = receiver.completeConsent(callback);
        assertThat(r.success()).as(r.userMessage()).isTrue();
        server.drainRequests();
        return ((TokenResult.Granted) receiver.token(REQUEST)).token();
    }

    @Test
    void refreshWhen200CallersOnTwoReplicasThenExactlyOneTokenRequestAndRotatedRefreshTokenKept() throws Exception {
        TokenBroker a = replica(rotatingIdp, false);
        TokenBroker b = replica(rotatingIdp, false);
        AccessToken old = consent(a, a, rotatingIdp);
        String originalRefresh = readStore(s -> s.find(ALICE).orElseThrow().refreshToken());
        clock.advance(Duration.ofHours(2));

        int callers = 200;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<TokenResult>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            TokenBroker replica = i % 2 == 0 ? a : b;
            results.add(pool.submit(() -> {
                go.await();
                return replica.token(REQUEST);
            }));
        }
        go.countDown();
        Set<String> tokens = ConcurrentHashMap.newKeySet();
        for (Future<TokenResult> f : results) {
            tokens.add(((TokenResult.Granted) f.get(60, TimeUnit.SECONDS)).token().value());
        }
        pool.shutdown();

        assertThat(rotatingIdp.drainTokenRequests()).as("token requests counted at the IdP").isEqualTo(1);
        assertThat(tokens).hasSize(1).doesNotContain(old.value());
        String rotated = readStore(s -> s.find(ALICE).orElseThrow().refreshToken());
        assertThat(rotated).isNotEqualTo(originalRefresh);

        // Each replica refreshes next in turn, with the rotated refresh token the other left in the store.
        for (TokenBroker next : List.of(b, a)) {
            clock.advance(Duration.ofHours(2));
            assertThat(next.token(REQUEST)).isInstanceOf(TokenResult.Granted.class);
            assertThat(rotatingIdp.drainTokenRequests()).isEqualTo(1);
            String latest = readStore(s -> s.find(ALICE).orElseThrow().refreshToken());
            assertThat(latest).isNotEqualTo(rotated);
            rotated = latest;
        }
    }

    @Test
    void consentStartedOnAWhenCallbackLandsOnBThenWaitersOnALearnOfIt() throws Exception {
        TokenBroker a = replica(idp, false);
        TokenBroker b = replica(idp, false);
        ConsentRequirement c = ((TokenResult.ConsentRequired) a.token(REQUEST)).consent();
        CompletableFuture<AccessToken> completion = a.consentCompletion(c.id());
        CompletableFuture<AccessToken> awaited = CompletableFuture.supplyAsync(
                () -> a.awaitToken(REQUEST, Duration.ofSeconds(30)));

        URI callback = browser.signIn(c.authorizationUri(), "alice");
        assertThat(b.completeConsent(callback).success()).isTrue();

        AccessToken fromCompletion = completion.get(30, TimeUnit.SECONDS);
        AccessToken fromAwait = awaited.get(30, TimeUnit.SECONDS);
        assertThat(fromCompletion.value()).isEqualTo(fromAwait.value());
        // A cached it: its next call is the fast path, and the same token as B's.
        assertThat(((TokenResult.Granted) a.token(REQUEST)).token().value()).isEqualTo(fromCompletion.value());
        assertThat(((TokenResult.Granted) b.token(REQUEST)).token().value()).isEqualTo(fromCompletion.value());
    }

    /**
     * The outcome in the store wins over a local waiter: asked right after the callback landed on B, A answers done at
     * once — it does not wait for its background watcher (which polls every 250 ms) to hear of it.
     */
    @Test
    void consentCompletionOnAWhenTheCallbackJustLandedOnBThenDoneAtOnce() {
        TokenBroker a = replica(idp, false);
        TokenBroker b = replica(idp, false);
        for (int round = 0; round < 3; round++) {
            String user = "user" + round;
            TokenRequest request = TokenRequest.forUser("corp", user);
            ConsentRequirement c = ((TokenResult.ConsentRequired) a.token(request)).consent();
            CompletableFuture<AccessToken> waiting = a.consentCompletion(c.id());
            assertThat(b.completeConsent(browser.signIn(c.authorizationUri(), user)).success()).isTrue();

            long start = System.nanoTime();
            CompletableFuture<AccessToken> asked = a.consentCompletion(c.id());
            assertThat(asked).as("round " + round).isDone();
            System.out.println("FAULT-FIGURE round " + round + ": A saw B's outcome after "
                    + (System.nanoTime() - start) / 1_000 + " us");
            assertThat(asked.join().value()).isEqualTo(((TokenResult.Granted) b.token(request)).token().value());
            assertThat(waiting).isDone();
        }
    }

    /** B never started the consent: its consentCompletion learns the outcome from the store, pending or ended. */
    @Test
    void consentStartedOnAWhenBAsksForItsCompletionThenBLearnsOfItWhereverTheCallbackLands() throws Exception {
        TokenBroker a = replica(idp, false);
        TokenBroker b = replica(idp, false);
        ConsentRequirement c = ((TokenResult.ConsentRequired) a.token(REQUEST)).consent();
        CompletableFuture<AccessToken> onB = b.consentCompletion(c.id());
        assertThat(onB).as("pending in the store, so B waits instead of answering UNKNOWN").isNotDone();

        assertThat(a.completeConsent(browser.signIn(c.authorizationUri(), "alice")).success()).isTrue();

        AccessToken token = onB.get(30, TimeUnit.SECONDS);
        assertThat(((TokenResult.Granted) a.token(REQUEST)).token().value()).isEqualTo(token.value());
        // Asked once more after the end, on a third replica: answered from the recorded outcome at once.
        TokenBroker c3 = replica(idp, false);
        assertThat(c3.consentCompletion(c.id()).get(30, TimeUnit.SECONDS).value()).isEqualTo(token.value());
        assertThatThrownBy(() -> c3.consentCompletion(new dev.agentauth.core.ConsentId("never-started")).join())
                .hasCauseInstanceOf(ConsentFailedException.class);
    }

    @Test
    void consentStartedOnAWhenUserDeclinesAtBThenWaiterOnAFailsWithDenied() throws Exception {
        TokenBroker a = replica(idp, false);
        TokenBroker b = replica(idp, false);
        ConsentRequirement c = ((TokenResult.ConsentRequired) a.token(REQUEST)).consent();
        CompletableFuture<AccessToken> completion = a.consentCompletion(c.id());
        String state = URLUtils.parseParameters(c.authorizationUri().getRawQuery()).get("state").get(0);

        ConsentCallbackResult declined = b.completeConsent(URI.create(REDIRECT + "?error=access_denied&state="
                + state + "&iss=" + java.net.URLEncoder.encode(idp.issuer(), java.nio.charset.StandardCharsets.UTF_8)));

        assertThat(declined.status()).isEqualTo(ConsentCallbackResult.Status.DENIED);
        assertThatThrownBy(() -> completion.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(
                ConsentFailedException.class).cause().satisfies(e -> assertThat(((ConsentFailedException) e).reason())
                .isEqualTo(ConsentFailedException.Reason.DENIED));
        // A does not offer the used-up consent again.
        ConsentRequirement again = ((TokenResult.ConsentRequired) a.token(REQUEST)).consent();
        assertThat(again.id()).isNotEqualTo(c.id());
    }

    @Test
    void refreshWhenReplicaDiesHoldingTheLockThenOtherReplicaRefreshesAndGrantStaysUsable() throws Exception {
        TokenBroker a = replica(idp, true);   // its token requests go through the gateway, which we make slow
        TokenBroker b = replica(idp, false);
        consent(b, b, idp);
        StoredGrant before = readStore(s -> s.find(ALICE).orElseThrow());
        clock.advance(Duration.ofHours(2));
        gateway.slowMillis(4_000);
        gateway.mode(FlakyGateway.Mode.SLOW);

        CompletableFuture<TokenResult> dying = CompletableFuture.supplyAsync(() -> a.token(REQUEST));
        int holder = awaitAdvisoryLockHolder();
        // The replica "dies": its database session is killed while it holds the grant's lock mid-refresh.
        sql("SELECT pg_terminate_backend(" + holder + ")");

        TokenResult survivor = b.token(REQUEST);

        assertThat(survivor).isInstanceOf(TokenResult.Granted.class);
        assertThatThrownBy(() -> dying.get(60, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(AgentAuthException.class, e -> assertThat(e.retryable()).isTrue());
        StoredGrant after = readStore(s -> s.find(ALICE).orElseThrow());
        assertThat(after.accessToken()).isEqualTo(((TokenResult.Granted) survivor).token().value());
        assertThat(after.refreshToken()).isEqualTo(before.refreshToken());
        // The dead replica's successor finds the refreshed grant: no lock left behind, no request needed.
        gateway.mode(FlakyGateway.Mode.PASS);
        idp.drainRequests();
        TokenBroker restarted = replica(idp, true);
        assertThat(((TokenResult.Granted) restarted.token(REQUEST)).token().value()).isEqualTo(after.accessToken());
        assertThat(idp.drainTokenRequests()).isZero();
    }

    @Test
    void databaseWhenDownThenRetryableStoreErrorAndNothingLostOnceBack() {
        try (EmbeddedPg own = EmbeddedPg.startNew()) {
            own.database("outage");
            TokenStore store = TokenStores.postgres().jdbcUrl(own.jdbcUrl("outage"))
                    .connectionTimeout(Duration.ofSeconds(2)).encryption(TokenEncryption.fromEnvironment("KEYSET",
                            name -> KEYSET)).build();
            TokenBroker broker = TokenBroker.builder().provider(Provider.oauth2("corp").issuer(idp.issuer())
                            .clientId("agent-client").clientSecret("client-secret-value").defaultScopes("openid")
                            .build()).clock(clock).tokenStore(store).redirectUri(REDIRECT).build();
            closing.add(broker);
            AccessToken token = consent(broker, broker, idp);
            StoredGrant before = readStore(store, s -> s.find(ALICE).orElseThrow());

            own.stop();

            // A cached, fresh token needs no database.
            assertThat(((TokenResult.Granted) broker.token(REQUEST)).token()).isEqualTo(token);
            clock.advance(Duration.ofHours(2));
            assertThatThrownBy(() -> broker.token(REQUEST))
                    .isInstanceOfSatisfying(StoreUnavailableException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getMessage()).contains("PostgreSQL token store at 127.0.0.1:" + own.port()
                                + "/outage").contains("retry").doesNotContain(token.value())
                                .doesNotContain(before.refreshToken());
                    });
            assertThatThrownBy(() -> broker.grants("alice")).isInstanceOf(StoreUnavailableException.class);
            assertThat(idp.drainTokenRequests()).as("no refresh without the lock").isZero();

            own.start();

            assertThat(store.find(ALICE)).contains(before);
            AccessToken refreshed = ((TokenResult.Granted) broker.token(REQUEST)).token();
            assertThat(refreshed.value()).isNotEqualTo(token.value());
            assertThat(store.find(ALICE).orElseThrow().refreshToken()).isEqualTo(before.refreshToken());
            assertThat(broker.grants("alice")).hasSize(1);
        }
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    <T> T readStore(java.util.function.Function<TokenStore, T> read) {
        try (TokenStore s = store()) {
            return read.apply(s);
        }
    }

    static <T> T readStore(TokenStore store, java.util.function.Function<TokenStore, T> read) {
        return read.apply(store);
    }

    static void sql(String statement) throws SQLException {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    /** The backend pid holding an advisory lock (the grant lock), waiting up to 30 s for one to appear. */
    static int awaitAdvisoryLockHolder() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Connection c = admin.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted")) {
                if (rs.next()) {
                    return rs.getInt(1);
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no replica took the grant's advisory lock");
    }
}
