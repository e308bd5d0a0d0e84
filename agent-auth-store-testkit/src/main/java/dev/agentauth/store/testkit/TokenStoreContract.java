package dev.agentauth.store.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link TokenStore} contract: every store of the project passes it, and a store of your own should. Extend it in
 * your tests with a {@link #newStore()} that returns a fresh, empty store; every test of this class then runs on it
 * (JUnit 5). What is checked is what the {@link TokenStore} Javadoc promises: equal grants back from a save, the whole
 * grant replaced atomically, per-user listings, consents claimed once by exactly one of 8 racing threads, claims that
 * lapse, device polls, consent outcomes, purges, the grant lock with no lost update across threads, and no secret in
 * {@code toString()}.
 *
 * <pre>{@code
 * class RedisTokenStoreContractTest extends TokenStoreContract {
 *     @Override
 *     protected TokenStore newStore() {
 *         return RedisTokenStore.connect(redis.uri()).flushAll();   // empty for every test
 *     }
 * }
 * }</pre>
 *
 * <p>A store that is also an {@link dev.agentauth.core.store.InterruptStore} runs {@link InterruptStoreContract} too.
 * Times are whole milliseconds, the precision durable stores keep. Each test runs on its own store, closed after it
 * ({@link #closeStore(TokenStore)}); tests start threads of their own and block on the store.
 *
 * @since 0.3.0
 */
public abstract class TokenStoreContract {

    /** "Now" for every test: whole milliseconds. */
    protected static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    protected static final GrantKey ALICE_CORP = userKey("corp", "alice", GrantKey.SHARED);
    protected static final GrantKey ALICE_CORP_AGENT = userKey("corp", "alice", "research");
    protected static final GrantKey ALICE_GITHUB = userKey("github", "alice", GrantKey.SHARED);
    protected static final GrantKey BOB_CORP = userKey("corp", "bob", GrantKey.SHARED);
    protected static final GrantKey M2M = new GrantKey(ProviderId.of("corp"), Flow.CLIENT_CREDENTIALS, null,
            "reports", "openid read");
    protected static final GrantKey M2M_OTHER_SCOPES = new GrantKey(ProviderId.of("corp"), Flow.CLIENT_CREDENTIALS,
            null, "reports", "openid write");

    /** The store under test, new for each test. */
    protected TokenStore store;

    /** A new, empty store; called before each test. */
    protected abstract TokenStore newStore();

    /**
     * Whether this store records refreshes in flight ({@link TokenStore#beginRefresh}); durable stores do, and so
     * does the default. Answer {@code false} for a store of one process: a refresher that dies takes the whole store
     * with it, and the test of the record is skipped.
     */
    protected boolean recordsRefreshes() {
        return true;
    }

    /** Closes {@code store} after each test. Override to clean up more (drop a schema, stop a server). */
    protected void closeStore(TokenStore store) {
        store.close();
    }

    @BeforeEach
    public void openTokenStore() {
        store = newStore();
    }

    @AfterEach
    public void closeTokenStore() {
        closeStore(store);
    }

    protected static GrantKey userKey(String provider, String user, String agent) {
        return new GrantKey(ProviderId.of(provider), Flow.USER_CONSENT, user, agent, "");
    }

    protected static StoredGrant grant(GrantKey key, String access, String refresh) {
        return new StoredGrant(key, access, "Bearer", refresh, Scopes.of("openid", "repo"), NOW.plusSeconds(3600),
                NOW);
    }

    protected static PendingConsent consent(String id, String stateDigest, Instant expiresAt) {
        return new PendingConsent(new ConsentId(id), stateDigest, ALICE_CORP, Principal.user("alice"),
                Scopes.of("openid", "repo"), "verifier-" + id, URI.create("http://127.0.0.1:8080/callback"), NOW,
                expiresAt);
    }

    @Test
    public void findWhenNothingStoredThenEmpty() {
        assertThat(store.find(ALICE_CORP)).isEmpty();
        assertThat(store.findByUser("alice")).isEmpty();
    }

    @Test
    public void saveThenFindReturnsEqualGrant() {
        StoredGrant g = grant(ALICE_CORP, "access-1", "refresh-1");
        store.save(g);
        assertThat(store.find(ALICE_CORP)).contains(g);
    }

    @Test
    public void saveWhenOptionalFieldsAbsentThenKeptAbsent() {
        StoredGrant g = new StoredGrant(ALICE_CORP, "access-1", "ApiKey", null, Scopes.NONE, null, NOW);
        store.save(g);
        assertThat(store.find(ALICE_CORP)).contains(g);
    }

    @Test
    public void saveWhenKeyExistsThenWholeGrantReplacedIncludingRotatedRefreshToken() {
        store.save(grant(ALICE_CORP, "access-1", "refresh-1"));
        StoredGrant rotated = new StoredGrant(ALICE_CORP, "access-2", "Bearer", "refresh-2", Scopes.of("openid"),
                NOW.plusSeconds(7200), NOW.plusSeconds(10));
        store.save(rotated);
        assertThat(store.find(ALICE_CORP)).contains(rotated);
        assertThat(store.findByUser("alice")).containsExactly(rotated);
    }

    @Test
    public void keysDifferingInAnyFieldAreDifferentGrants() {
        List<GrantKey> keys = List.of(ALICE_CORP, ALICE_CORP_AGENT, ALICE_GITHUB, BOB_CORP, M2M, M2M_OTHER_SCOPES,
                new GrantKey(ProviderId.of("corp"), Flow.API_KEY, "alice", GrantKey.SHARED, ""),
                new GrantKey(ProviderId.of("corp"), Flow.API_KEY, null, GrantKey.SHARED, ""));
        for (int i = 0; i < keys.size(); i++) {
            store.save(grant(keys.get(i), "access-" + i, null));
        }
        for (int i = 0; i < keys.size(); i++) {
            assertThat(store.find(keys.get(i)).orElseThrow().accessToken()).isEqualTo("access-" + i);
        }
    }

    @Test
    public void deleteReportsWhetherThereWasAGrant() {
        store.save(grant(ALICE_CORP, "access-1", "refresh-1"));
        assertThat(store.delete(ALICE_CORP)).isTrue();
        assertThat(store.delete(ALICE_CORP)).isFalse();
        assertThat(store.find(ALICE_CORP)).isEmpty();
    }

    @Test
    public void findByUserReturnsEveryProviderAndAgentOfThatUserOnly() {
        store.save(grant(ALICE_CORP, "a1", "r1"));
        store.save(grant(ALICE_CORP_AGENT, "a2", "r2"));
        store.save(grant(ALICE_GITHUB, "a3", null));
        store.save(grant(BOB_CORP, "b1", "r4"));
        store.save(grant(M2M, "m1", null));

        assertThat(store.findByUser("alice")).extracting(StoredGrant::key)
                .containsExactlyInAnyOrder(ALICE_CORP, ALICE_CORP_AGENT, ALICE_GITHUB);
        assertThat(store.findByUser("bob")).extracting(StoredGrant::accessToken).containsExactly("b1");
        assertThat(store.findByUser("carol")).isEmpty();
    }

    @Test
    public void disconnectAllOfAUserDeletesEveryGrantAndLeavesOthers() {
        store.save(grant(ALICE_CORP, "a1", "r1"));
        store.save(grant(ALICE_GITHUB, "a3", null));
        store.save(grant(BOB_CORP, "b1", "r4"));

        store.findByUser("alice").forEach(g -> store.delete(g.key()));

        assertThat(store.findByUser("alice")).isEmpty();
        assertThat(store.find(BOB_CORP)).isPresent();
    }

    @Test
    public void consentIsFoundByIdAndClaimedOnceByStateDigest() {
        PendingConsent c = consent("c1", "digest-1", NOW.plusSeconds(600));
        store.saveConsent(c);

        assertThat(store.findConsent(new ConsentId("c1"))).contains(c);
        assertThat(store.claimConsent("digest-1", "a", NOW, NOW.plusSeconds(30))).contains(c);
        assertThat(store.claimConsent("digest-1", "b", NOW.plusSeconds(1), NOW.plusSeconds(31))).isEmpty();
        assertThat(store.findConsent(new ConsentId("c1"))).as("a claimed consent stays stored").contains(c);
        assertThat(store.claimConsent("never-issued", "a", NOW, NOW.plusSeconds(30))).isEmpty();
    }

    @Test
    public void claimWhenTheClaimLapsedThenAnotherClaimantTakesOver() {
        store.saveConsent(consent("c1", "digest-1", NOW.plusSeconds(600)));
        assertThat(store.claimConsent("digest-1", "dead", NOW, NOW.plusSeconds(30))).isPresent();
        assertThat(store.claimConsent("digest-1", "next", NOW.plusSeconds(31), NOW.plusSeconds(61))).isPresent();
    }

    @Test
    public void completeConsentStoresGrantAndOutcomeAndRetiresTheConsentTogether() {
        PendingConsent c = consent("c1", "digest-1", NOW.plusSeconds(600));
        store.saveConsent(c);
        store.claimConsent("digest-1", "a", NOW, NOW.plusSeconds(30)).orElseThrow();
        StoredGrant g = grant(ALICE_CORP, "access-1", "refresh-1");
        store.withGrantLock(ALICE_CORP, () -> {
            store.completeConsent(c, g, outcome("c1", NOW.plusSeconds(600)));
            return null;
        });
        assertThat(store.find(ALICE_CORP)).contains(g);
        assertThat(store.findConsentOutcome(new ConsentId("c1"))).contains(outcome("c1", NOW.plusSeconds(600)));
        assertThat(store.findConsent(new ConsentId("c1"))).isEmpty();
        assertThat(store.claimConsent("digest-1", "b", NOW.plusSeconds(60), NOW.plusSeconds(90))).isEmpty();
    }

    @Test
    public void completeConsentWithoutGrantRecordsTheOutcomeOnly() {
        PendingConsent c = consent("c1", "digest-1", NOW.plusSeconds(600));
        store.saveConsent(c);
        ConsentOutcome denied = new ConsentOutcome(new ConsentId("c1"), ConsentOutcome.Status.DENIED, ALICE_CORP,
                Principal.user("alice"), "access_denied", NOW, NOW.plusSeconds(600));
        store.completeConsent(c, null, denied);
        assertThat(store.find(ALICE_CORP)).isEmpty();
        assertThat(store.findConsentOutcome(new ConsentId("c1"))).contains(denied);
        assertThat(store.findConsent(new ConsentId("c1"))).isEmpty();
    }

    @Test
    public void consentWithoutPkceVerifierKeepsItAbsent() {
        PendingConsent c = new PendingConsent(new ConsentId("c2"), "digest-2", ALICE_CORP, Principal.user("alice"),
                Scopes.of("openid"), null, URI.create("https://app.example.com/cb"), NOW, NOW.plusSeconds(60));
        store.saveConsent(c);
        assertThat(store.claimConsent("digest-2", "a", NOW, NOW.plusSeconds(30))).contains(c);
    }

    @Test
    public void claimConsentWhenManyCallersRaceThenExactlyOneGetsIt() throws Exception {
        store.saveConsent(consent("c3", "digest-3", NOW.plusSeconds(600)));
        assertThat(Races.winners(i -> store.claimConsent("digest-3", "caller-" + i, NOW, NOW.plusSeconds(30)).isPresent()))
                .isEqualTo(1);
    }

    @Test
    public void deviceConsentIsDueAfterItsIntervalAndPolledByOneClaimantAtATime() {
        PendingConsent device = new PendingConsent(new ConsentId("d1"), "digest-d1", ALICE_CORP,
                Principal.user("alice"), Scopes.of("openid"), "device-code-secret",
                URI.create("https://idp.example.com/device"), NOW, NOW.plusSeconds(600), Duration.ofSeconds(5));
        store.saveConsent(device);
        store.saveConsent(consent("redirect", "digest-r", NOW.plusSeconds(600)));

        assertThat(store.dueDeviceConsents(NOW.plusSeconds(4), 10)).isEmpty();
        assertThat(store.dueDeviceConsents(NOW.plusSeconds(5), 10)).containsExactly(device);
        assertThat(store.claimConsent("digest-d1", "poller-a", NOW.plusSeconds(5), NOW.plusSeconds(20))).isPresent();
        assertThat(store.dueDeviceConsents(NOW.plusSeconds(6), 10)).as("claimed: nobody else polls").isEmpty();

        // slow_down: due again one longer interval later, for any replica
        store.releaseConsent("digest-d1", "poller-a", NOW.plusSeconds(15), Duration.ofSeconds(10));
        assertThat(store.dueDeviceConsents(NOW.plusSeconds(14), 10)).isEmpty();
        assertThat(store.dueDeviceConsents(NOW.plusSeconds(15), 10)).singleElement()
                .satisfies(d -> assertThat(d.pollInterval()).isEqualTo(Duration.ofSeconds(10)));

        // a poller that died holding its claim: another takes over once the claim lapses
        assertThat(store.claimConsent("digest-d1", "poller-b", NOW.plusSeconds(15), NOW.plusSeconds(30))).isPresent();
        assertThat(store.dueDeviceConsents(NOW.plusSeconds(29), 10)).isEmpty();
        assertThat(store.dueDeviceConsents(NOW.plusSeconds(31), 10)).hasSize(1);
        store.releaseConsent("digest-d1", "poller-a", NOW.plusSeconds(99), Duration.ofSeconds(99));
        assertThat(store.dueDeviceConsents(NOW.plusSeconds(31), 10)).as("a stale claimant releases nothing")
                .singleElement().satisfies(d -> assertThat(d.pollInterval()).isEqualTo(Duration.ofSeconds(10)));
    }

    @Test
    public void beginRefreshWhenAnEarlierRefreshNeverEndedThenItIsReported() {
        Assumptions.assumeTrue(recordsRefreshes(), "this store records no refresh in flight");
        store.save(grant(ALICE_CORP, "access-1", "refresh-1"));
        assertThat(store.withGrantLock(ALICE_CORP, () -> store.beginRefresh(ALICE_CORP, NOW))).isEmpty();
        // the refresher died: the record outlives its lock
        assertThat(store.withGrantLock(ALICE_CORP, () -> store.beginRefresh(ALICE_CORP, NOW.plusSeconds(1))))
                .contains(NOW);
        store.save(grant(ALICE_CORP, "access-2", "refresh-2"));
        assertThat(store.beginRefresh(ALICE_CORP, NOW.plusSeconds(2))).as("a save ends it").isEmpty();
        store.endRefresh(ALICE_CORP);
        assertThat(store.beginRefresh(ALICE_CORP, NOW.plusSeconds(3))).as("so does endRefresh").isEmpty();
        assertThat(store.find(ALICE_CORP).orElseThrow().accessToken()).isEqualTo("access-2");
    }

    @Test
    public void purgeExpiredConsentsRemovesOnlyExpiredOnesAndExpiredOutcomes() {
        store.saveConsent(consent("old", "digest-old", NOW.minusSeconds(1)));
        store.saveConsent(consent("new", "digest-new", NOW.plusSeconds(600)));
        store.saveConsentOutcome(outcome("old-outcome", NOW.minusSeconds(1)));
        store.saveConsentOutcome(outcome("new-outcome", NOW.plusSeconds(600)));

        assertThat(store.purgeExpiredConsents(NOW)).isEqualTo(1);

        assertThat(store.findConsent(new ConsentId("old"))).isEmpty();
        assertThat(store.findConsent(new ConsentId("new"))).isPresent();
        assertThat(store.findConsentOutcome(new ConsentId("old-outcome"))).isEmpty();
        assertThat(store.findConsentOutcome(new ConsentId("new-outcome"))).isPresent();
    }

    @Test
    public void purgeExpiredConsentsWhenAnApprovalWasNeverCollectedThenItsGrantGoesWithItsOutcome() {
        GrantKey collected = approvalKey("approval-late");
        GrantKey waited = approvalKey("approval-waited");
        store.save(grant(collected, "approved-1", null));
        store.save(grant(waited, "approved-2", null));
        store.saveConsentOutcome(new ConsentOutcome(new ConsentId("late"), ConsentOutcome.Status.COMPLETED,
                collected, Principal.user("alice"), null, NOW.minusSeconds(600), NOW.minusSeconds(1)));
        store.saveConsentOutcome(new ConsentOutcome(new ConsentId("waited"), ConsentOutcome.Status.COMPLETED,
                waited, Principal.user("alice"), null, NOW, NOW.plusSeconds(600)));
        store.save(grant(ALICE_CORP, "access-1", "refresh-1"));

        store.purgeExpiredConsents(NOW);

        assertThat(store.find(collected)).as("no one can ask for it any more").isEmpty();
        assertThat(store.find(waited)).as("its outcome is still there to be read").isPresent();
        assertThat(store.find(ALICE_CORP)).as("a user's grant is not an approval").isPresent();
    }

    @Test
    public void purgeExpiredConsentsWhenAnApprovedTokenExpiredThenItsGrantIsRemoved() {
        GrantKey expired = approvalKey("approval-expired");
        GrantKey fresh = approvalKey("approval-fresh");
        GrantKey consent = userKey("corp", "carol", GrantKey.SHARED);
        store.save(new StoredGrant(expired, "approved-1", "Bearer", null, Scopes.of("openid"),
                NOW.minusSeconds(1), NOW.minusSeconds(300)));
        store.save(new StoredGrant(fresh, "approved-2", "Bearer", null, Scopes.of("openid"),
                NOW.plusSeconds(300), NOW));
        store.save(new StoredGrant(consent, "access-1", "Bearer", "refresh-1", Scopes.of("openid"),
                NOW.minusSeconds(1), NOW.minusSeconds(300)));

        store.purgeExpiredConsents(NOW);

        assertThat(store.find(expired)).isEmpty();
        assertThat(store.find(fresh)).isPresent();
        assertThat(store.find(consent)).as("refreshed when next used, not purged").isPresent();
    }

    @Test
    public void consentOutcomeIsFoundByIdAndReplacedBySaveAgain() {
        ConsentOutcome first = outcome("o1", NOW.plusSeconds(600));
        store.saveConsentOutcome(first);
        assertThat(store.findConsentOutcome(new ConsentId("o1"))).contains(first);
        ConsentOutcome denied = new ConsentOutcome(new ConsentId("o1"), ConsentOutcome.Status.DENIED, ALICE_CORP,
                Principal.user("alice"), "access_denied", NOW.plusSeconds(1), NOW.plusSeconds(600));
        store.saveConsentOutcome(denied);
        assertThat(store.findConsentOutcome(new ConsentId("o1"))).contains(denied);
        assertThat(store.findConsentOutcome(new ConsentId("unknown"))).isEmpty();
    }

    @Test
    public void withGrantLockWhenThreadsUpdateOneGrantThenNoUpdateIsLost() throws Exception {
        store.save(grant(ALICE_CORP, "0", null));
        int threads = 6;
        int rounds = 5;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (int r = 0; r < rounds; r++) {
                    store.withGrantLock(ALICE_CORP, () -> {
                        if (inside.incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        int n = Integer.parseInt(store.find(ALICE_CORP).orElseThrow().accessToken());
                        Thread.yield();
                        store.save(grant(ALICE_CORP, Integer.toString(n + 1), null));
                        inside.decrementAndGet();
                        return null;
                    });
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(overlaps.get()).isZero();
        assertThat(store.find(ALICE_CORP).orElseThrow().accessToken()).isEqualTo(Integer.toString(threads * rounds));
    }

    @Test
    public void withGrantLockWhenWorkThrowsThenLockReleasedAndItsWritesUndoneOrKept() {
        store.save(grant(ALICE_CORP, "before", null));
        try {
            store.withGrantLock(ALICE_CORP, () -> {
                throw new IllegalStateException("work failed");
            });
        } catch (IllegalStateException expected) {
            // the work's own failure comes through unchanged
        }
        String value = store.withGrantLock(ALICE_CORP, () -> store.find(ALICE_CORP).orElseThrow().accessToken());
        assertThat(value).isEqualTo("before");
        assertThat(store.withGrantLock(ALICE_CORP, () -> store.withGrantLock(ALICE_CORP, () -> "re-entrant")))
                .isEqualTo("re-entrant");
    }

    @Test
    public void toStringHoldsNoSecret() {
        store.save(grant(ALICE_CORP, "access-secret-value", "refresh-secret-value"));
        store.saveConsent(consent("c9", "digest-9", NOW.plusSeconds(60)));
        assertThat(store.toString()).doesNotContain("access-secret-value", "refresh-secret-value", "verifier-c9");
    }

    /** The key of one approval ({@link Flow#USER_APPROVAL}): its scope part is the approval's own. */
    protected static GrantKey approvalKey(String approval) {
        return new GrantKey(ProviderId.of("bank"), Flow.USER_APPROVAL, "alice", GrantKey.SHARED, approval);
    }

    protected static ConsentOutcome outcome(String id, Instant expiresAt) {
        return new ConsentOutcome(new ConsentId(id), ConsentOutcome.Status.COMPLETED, ALICE_CORP,
                Principal.user("alice"), null, NOW, expiresAt);
    }
}
