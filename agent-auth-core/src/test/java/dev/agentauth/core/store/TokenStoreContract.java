package dev.agentauth.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import java.net.URI;
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
    void consentIsFoundByIdAndTakenOnceByStateDigest() {
        PendingConsent c = consent("c1", "digest-1", NOW.plusSeconds(600));
        store.saveConsent(c);

        assertThat(store.findConsent(new ConsentId("c1"))).contains(c);
        assertThat(store.takeConsent("digest-1")).contains(c);
        assertThat(store.takeConsent("digest-1")).isEmpty();
        assertThat(store.findConsent(new ConsentId("c1"))).isEmpty();
        assertThat(store.takeConsent("never-issued")).isEmpty();
    }

    @Test
    void consentWithoutPkceVerifierKeepsItAbsent() {
        PendingConsent c = new PendingConsent(new ConsentId("c2"), "digest-2", ALICE_CORP, Principal.user("alice"),
                Scopes.of("openid"), null, URI.create("https://app.example.com/cb"), NOW, NOW.plusSeconds(60));
        store.saveConsent(c);
        assertThat(store.takeConsent("digest-2")).contains(c);
    }

    @Test
    void takeConsentWhenManyCallersRaceThenExactlyOneGetsIt() throws Exception {
        store.saveConsent(consent("c3", "digest-3", NOW.plusSeconds(600)));
        int callers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Optional<PendingConsent>>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return store.takeConsent("digest-3");
            }));
        }
        go.countDown();
        int winners = 0;
        for (Future<Optional<PendingConsent>> f : results) {
            winners += f.get(30, TimeUnit.SECONDS).isPresent() ? 1 : 0;
        }
        pool.shutdown();
        assertThat(winners).isEqualTo(1);
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
    void interruptIsFoundReplacedAndTakenOnce() {
        StoredInterrupt first = interrupt("i1", "alice", NOW, NOW.plusSeconds(600));
        interrupts().saveInterrupt(first);
        assertThat(interrupts().findInterrupt("i1")).contains(first);
        StoredInterrupt replaced = new StoredInterrupt("i1", "alice", "default", NOW, NOW.plusSeconds(900),
                "{\"round\":2}");
        interrupts().saveInterrupt(replaced);
        assertThat(interrupts().findInterrupt("i1")).contains(replaced);
        assertThat(interrupts().takeInterrupt("i1")).contains(replaced);
        assertThat(interrupts().takeInterrupt("i1")).isEmpty();
        assertThat(interrupts().findInterrupt("i1")).isEmpty();
        assertThat(interrupts().findInterrupt("never")).isEmpty();
    }

    @Test
    void takeInterruptWhenManyCallersRaceThenExactlyOneGetsIt() throws Exception {
        interrupts().saveInterrupt(interrupt("race", "alice", NOW, NOW.plusSeconds(600)));
        int callers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Optional<StoredInterrupt>>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return interrupts().takeInterrupt("race");
            }));
        }
        go.countDown();
        int winners = 0;
        for (Future<Optional<StoredInterrupt>> f : results) {
            winners += f.get(30, TimeUnit.SECONDS).isPresent() ? 1 : 0;
        }
        pool.shutdown();
        assertThat(winners).isEqualTo(1);
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
