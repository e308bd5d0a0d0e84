package dev.agentauth.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link TokenStore} contract, run against every store: one subclass per store supplies a fresh, empty store.
 * Times are whole milliseconds, the precision durable stores keep.
 */
abstract class TokenStoreContract {

    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    static final GrantKey ALICE_CORP = userKey("corp", "alice", GrantKey.SHARED);
    static final GrantKey ALICE_CORP_AGENT = userKey("corp", "alice", "research");
    static final GrantKey ALICE_GITHUB = userKey("github", "alice", GrantKey.SHARED);
    static final GrantKey BOB_CORP = userKey("corp", "bob", GrantKey.SHARED);
    static final GrantKey M2M = new GrantKey(ProviderId.of("corp"), Flow.CLIENT_CREDENTIALS, null, "reports",
            "openid read");
    static final GrantKey M2M_OTHER_SCOPES = new GrantKey(ProviderId.of("corp"), Flow.CLIENT_CREDENTIALS, null,
            "reports", "openid write");

    protected TokenStore store;

    /** A new, empty store. */
    protected abstract TokenStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static GrantKey userKey(String provider, String user, String agent) {
        return new GrantKey(ProviderId.of(provider), Flow.USER_CONSENT, user, agent, "");
    }

    static StoredGrant grant(GrantKey key, String access, String refresh) {
        return new StoredGrant(key, access, "Bearer", refresh, Scopes.of("openid", "repo"), NOW.plusSeconds(3600),
                NOW);
    }

    static PendingConsent consent(String id, String stateDigest, Instant expiresAt) {
        return new PendingConsent(new ConsentId(id), stateDigest, ALICE_CORP, Principal.user("alice"),
                Scopes.of("openid", "repo"), "verifier-" + id, URI.create("http://127.0.0.1:8080/callback"), NOW,
                expiresAt);
    }

    @Test
    void findWhenNothingStoredThenEmpty() {
        assertThat(store.find(ALICE_CORP)).isEmpty();
        assertThat(store.findByUser("alice")).isEmpty();
    }

    @Test
    void saveThenFindReturnsEqualGrant() {
        StoredGrant g = grant(ALICE_CORP, "access-1", "refresh-1");
        store.save(g);
        assertThat(store.find(ALICE_CORP)).contains(g);
    }

    @Test
    void saveWhenOptionalFieldsAbsentThenKeptAbsent() {
        StoredGrant g = new StoredGrant(ALICE_CORP, "access-1", "ApiKey", null, Scopes.NONE, null, NOW);
        store.save(g);
        assertThat(store.find(ALICE_CORP)).contains(g);
    }

    @Test
    void saveWhenKeyExistsThenWholeGrantReplacedIncludingRotatedRefreshToken() {
        store.save(grant(ALICE_CORP, "access-1", "refresh-1"));
        StoredGrant rotated = new StoredGrant(ALICE_CORP, "access-2", "Bearer", "refresh-2", Scopes.of("openid"),
                NOW.plusSeconds(7200), NOW.plusSeconds(10));
        store.save(rotated);
        assertThat(store.find(ALICE_CORP)).contains(rotated);
        assertThat(store.findByUser("alice")).containsExactly(rotated);
    }

    @Test
    void keysDifferingInAnyFieldAreDifferentGrants() {
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
    void deleteReportsWhetherThereWasAGrant() {
        store.save(grant(ALICE_CORP, "access-1", "refresh-1"));
        assertThat(store.delete(ALICE_CORP)).isTrue();
        assertThat(store.delete(ALICE_CORP)).isFalse();
        assertThat(store.find(ALICE_CORP)).isEmpty();
    }

    @Test
    void findByUserReturnsEveryProviderAndAgentOfThatUserOnly() {
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
    void disconnectAllOfAUserDeletesEveryGrantAndLeavesOthers() {
        store.save(grant(ALICE_CORP, "a1", "r1"));
        store.save(grant(ALICE_GITHUB, "a3", null));
        store.save(grant(BOB_CORP, "b1", "r4"));

        store.findByUser("alice").forEach(g -> store.delete(g.key()));

        assertThat(store.findByUser("alice")).isEmpty();
        assertThat(store.find(BOB_CORP)).isPresent();
    }

    @Test
    void consentIsFoundByIdAndClaimedOnceByStateDigest() {
        PendingConsent c = consent("c1", "digest-1", NOW.plusSeconds(600));
        store.saveConsent(c);

        assertThat(store.findConsent(new ConsentId("c1"))).contains(c);
        assertThat(store.claimConsent("digest-1", "a", NOW, NOW.plusSeconds(30))).contains(c);
        assertThat(store.claimConsent("digest-1", "b", NOW.plusSeconds(1), NOW.plusSeconds(31))).isEmpty();
        assertThat(store.findConsent(new ConsentId("c1"))).as("a claimed consent stays stored").contains(c);
        assertThat(store.claimConsent("never-issued", "a", NOW, NOW.plusSeconds(30))).isEmpty();
    }

    @Test
    void claimWhenTheClaimLapsedThenAnotherClaimantTakesOver() {
        store.saveConsent(consent("c1", "digest-1", NOW.plusSeconds(600)));
        assertThat(store.claimConsent("digest-1", "dead", NOW, NOW.plusSeconds(30))).isPresent();
        assertThat(store.claimConsent("digest-1", "next", NOW.plusSeconds(31), NOW.plusSeconds(61))).isPresent();
    }

    @Test
    void completeConsentStoresGrantAndOutcomeAndRetiresTheConsentTogether() {
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
    void completeConsentWithoutGrantRecordsTheOutcomeOnly() {
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
    void consentWithoutPkceVerifierKeepsItAbsent() {
        PendingConsent c = new PendingConsent(new ConsentId("c2"), "digest-2", ALICE_CORP, Principal.user("alice"),
                Scopes.of("openid"), null, URI.create("https://app.example.com/cb"), NOW, NOW.plusSeconds(60));
        store.saveConsent(c);
        assertThat(store.claimConsent("digest-2", "a", NOW, NOW.plusSeconds(30))).contains(c);
    }

    @Test
    void claimConsentWhenManyCallersRaceThenExactlyOneGetsIt() throws Exception {
        store.saveConsent(consent("c3", "digest-3", NOW.plusSeconds(600)));
        assertThat(race(i -> store.claimConsent("digest-3", "caller-" + i, NOW, NOW.plusSeconds(30)).isPresent()))
                .isEqualTo(1);
    }

    @Test
    void deviceConsentIsDueAfterItsIntervalAndPolledByOneClaimantAtATime() {
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

    /** Whether this store records refreshes in flight ({@link TokenStore#beginRefresh}); durable stores do. */
    protected boolean recordsRefreshes() {
        return true;
    }

    @Test
    void beginRefreshWhenAnEarlierRefreshNeverEndedThenItIsReported() {
        org.junit.jupiter.api.Assumptions.assumeTrue(recordsRefreshes());
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

    /** How many of 8 racing callers {@code attempt} says won. */
    static int race(java.util.function.IntPredicate attempt) throws Exception {
        int callers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            int caller = i;
            results.add(pool.submit(() -> {
                go.await();
                return attempt.test(caller);
            }));
        }
        go.countDown();
        int winners = 0;
        for (Future<Boolean> f : results) {
            winners += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        return winners;
    }

    @Test
    void purgeExpiredConsentsRemovesOnlyExpiredOnesAndExpiredOutcomes() {
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
    void consentOutcomeIsFoundByIdAndReplacedBySaveAgain() {
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
    void withGrantLockWhenThreadsUpdateOneGrantThenNoUpdateIsLost() throws Exception {
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
    void withGrantLockWhenWorkThrowsThenLockReleasedAndItsWritesUndoneOrKept() {
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
    void toStringHoldsNoSecret() {
        store.save(grant(ALICE_CORP, "access-secret-value", "refresh-secret-value"));
        store.saveConsent(consent("c9", "digest-9", NOW.plusSeconds(60)));
        assertThat(store.toString()).doesNotContain("access-secret-value", "refresh-secret-value", "verifier-c9");
    }

    // ------------------------------------------------------------------------------------------------ interrupts

    static StoredInterrupt interrupt(String id, String user, Instant createdAt, Instant purgeAt) {
        return new StoredInterrupt(id, user, "default", createdAt, purgeAt,
                "{\"tool\":\"listNotes\",\"arguments\":\"é ✓ " + id + "\"}");
    }

    InterruptStore interrupts() {
        assertThat(store).as("every store of the project keeps interrupts too").isInstanceOf(InterruptStore.class);
        return (InterruptStore) store;
    }

    @Test
    void saveInterruptIsIdempotentAndNeverReplacesOrRevives() {
        StoredInterrupt first = interrupt("i1", "alice", NOW, NOW.plusSeconds(600));
        interrupts().saveInterrupt(first);
        assertThat(interrupts().findInterrupt("i1")).contains(first);
        interrupts().saveInterrupt(new StoredInterrupt("i1", "alice", "default", NOW, NOW.plusSeconds(900),
                "{\"round\":2}"));
        assertThat(interrupts().findInterrupt("i1")).as("a second save changes nothing").contains(first);

        InterruptClaim claim = interrupts().claimInterrupt("i1", "a", NOW, NOW.plusSeconds(30)).orElseThrow();
        assertThat(interrupts().finishInterrupt(claim)).isTrue();
        interrupts().saveInterrupt(first); // a late flush, or a retry after a lost acknowledgement
        assertThat(interrupts().findInterrupt("i1")).get().extracting(StoredInterrupt::state)
                .isEqualTo(StoredInterrupt.State.DONE);
        assertThat(interrupts().claimInterrupt("i1", "b", NOW, NOW.plusSeconds(30))).isEmpty();
        assertThat(interrupts().findInterruptsByUser("alice")).isEmpty();
        assertThat(interrupts().findInterrupt("never")).isEmpty();
    }

    @Test
    void claimInterruptHoldsALeaseThatIsRenewedReleasedOrTakenOverWithItsProgress() {
        interrupts().saveInterrupt(interrupt("i2", "alice", NOW, NOW.plusSeconds(600)));
        InterruptClaim a = interrupts().claimInterrupt("i2", "replica-a", NOW, NOW.plusSeconds(10)).orElseThrow();
        assertThat(a.takenOver()).isFalse();
        assertThat(a.progress()).isNull();
        assertThat(interrupts().claimInterrupt("i2", "replica-b", NOW.plusSeconds(5), NOW.plusSeconds(15)))
                .as("the lease is live").isEmpty();
        assertThat(interrupts().findInterrupt("i2").orElseThrow().state())
                .isEqualTo(StoredInterrupt.State.RESUMING);
        assertThat(interrupts().renewInterrupt(a, NOW.plusSeconds(20), "{\"done\":[\"call-1\"]}")).isTrue();
        assertThat(interrupts().claimInterrupt("i2", "replica-b", NOW.plusSeconds(15), NOW.plusSeconds(25)))
                .as("renewed").isEmpty();

        // replica-a dies: after its lease another replica takes over, with what it recorded
        InterruptClaim b = interrupts().claimInterrupt("i2", "replica-b", NOW.plusSeconds(21), NOW.plusSeconds(40))
                .orElseThrow();
        assertThat(b.takenOver()).isTrue();
        assertThat(b.epoch()).isGreaterThan(a.epoch());
        assertThat(b.progress()).isEqualTo("{\"done\":[\"call-1\"]}");
        assertThat(interrupts().renewInterrupt(a, NOW.plusSeconds(60), "{}")).as("the old claim is fenced").isFalse();
        assertThat(interrupts().finishInterrupt(a)).isFalse();
        assertThat(interrupts().releaseInterrupt(a)).isFalse();

        assertThat(interrupts().releaseInterrupt(b)).isTrue();
        assertThat(interrupts().findInterrupt("i2").orElseThrow().state()).isEqualTo(StoredInterrupt.State.OPEN);
        InterruptClaim c = interrupts().claimInterrupt("i2", "replica-c", NOW.plusSeconds(22), NOW.plusSeconds(50))
                .orElseThrow();
        assertThat(c.progress()).as("kept across a release").isEqualTo("{\"done\":[\"call-1\"]}");
        assertThat(interrupts().finishInterrupt(c)).isTrue();
        assertThat(interrupts().findInterrupt("i2").orElseThrow().state()).isEqualTo(StoredInterrupt.State.DONE);
    }

    @Test
    void claimInterruptWhenManyCallersRaceThenExactlyOneGetsIt() throws Exception {
        interrupts().saveInterrupt(interrupt("race", "alice", NOW, NOW.plusSeconds(600)));
        assertThat(race(i -> interrupts().claimInterrupt("race", "caller-" + i, NOW, NOW.plusSeconds(30))
                .isPresent())).isEqualTo(1);
    }

    @Test
    void interruptsByUserListOpenAndResumingButNotDone() {
        interrupts().saveInterrupt(interrupt("open", "alice", NOW, NOW.plusSeconds(600)));
        interrupts().saveInterrupt(interrupt("resuming", "alice", NOW.plusSeconds(1), NOW.plusSeconds(600)));
        interrupts().saveInterrupt(interrupt("done", "alice", NOW.plusSeconds(2), NOW.plusSeconds(600)));
        interrupts().claimInterrupt("resuming", "a", NOW, NOW.plusSeconds(30)).orElseThrow();
        interrupts().finishInterrupt(interrupts().claimInterrupt("done", "a", NOW, NOW.plusSeconds(30))
                .orElseThrow());
        assertThat(interrupts().findInterruptsByUser("alice")).extracting(StoredInterrupt::id)
                .containsExactly("open", "resuming");
        assertThat(interrupts().findInterruptsByUser("alice").get(1).resumable(NOW.plusSeconds(31))).isTrue();
    }

    @Test
    void interruptsByUserAreThatUsersOnlyOldestFirst() {
        interrupts().saveInterrupt(interrupt("later", "alice", NOW.plusSeconds(5), NOW.plusSeconds(600)));
        interrupts().saveInterrupt(interrupt("bobs", "bob", NOW, NOW.plusSeconds(600)));
        interrupts().saveInterrupt(interrupt("earlier", "alice", NOW, NOW.plusSeconds(600)));
        assertThat(interrupts().findInterruptsByUser("alice")).extracting(StoredInterrupt::id)
                .containsExactly("earlier", "later");
        assertThat(interrupts().findInterruptsByUser("carol")).isEmpty();
    }

    @Test
    void purgeExpiredInterruptsRemovesOnlyThosePastTheirPurgeTime() {
        interrupts().saveInterrupt(interrupt("old", "alice", NOW.minusSeconds(7200), NOW.minusSeconds(1)));
        interrupts().saveInterrupt(interrupt("new", "alice", NOW, NOW.plusSeconds(600)));
        assertThat(interrupts().purgeExpiredInterrupts(NOW)).isEqualTo(1);
        assertThat(interrupts().findInterrupt("old")).isEmpty();
        assertThat(interrupts().findInterrupt("new")).isPresent();
    }

    @Test
    void storedInterruptPrintsWithoutItsPayload() {
        StoredInterrupt i = interrupt("printed", "alice", NOW, NOW.plusSeconds(60));
        interrupts().saveInterrupt(i);
        assertThat(i.toString()).doesNotContain("listNotes");
        assertThat(store.toString()).doesNotContain("listNotes");
    }

    static ConsentOutcome outcome(String id, Instant expiresAt) {
        return new ConsentOutcome(new ConsentId(id), ConsentOutcome.Status.COMPLETED, ALICE_CORP,
                Principal.user("alice"), null, NOW, expiresAt);
    }
}
