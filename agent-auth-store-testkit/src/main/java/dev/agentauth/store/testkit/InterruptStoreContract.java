package dev.agentauth.store.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.store.InterruptClaim;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.StoredInterrupt;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link InterruptStore} contract: every interrupt store of the project passes it, and a store of your own should.
 * Extend it in your tests with a {@link #newStore()} that returns a fresh, empty store; every test of this class then
 * runs on it (JUnit 5). What is checked is the lifecycle the {@link InterruptStore} Javadoc draws: a save that happens
 * once and never revives a finished interrupt, a claim held by exactly one of 8 racing threads, leases renewed with
 * progress, taken over after they lapse (the progress kept, the old claim fenced by its epoch), released and finished;
 * per-user listings oldest first, purges, and a payload that never prints.
 *
 * <pre>{@code
 * class RedisInterruptStoreContractTest extends InterruptStoreContract {
 *     @Override
 *     protected InterruptStore newStore() {
 *         return RedisTokenStore.connect(redis.uri()).flushAll();
 *     }
 * }
 * }</pre>
 *
 * <p>Each test runs on its own store, closed after it when it is {@link AutoCloseable} ({@link #closeStore}); tests
 * start threads of their own and block on the store.
 *
 * @since 0.3.0
 */
public abstract class InterruptStoreContract {

    /** "Now" for every test: whole milliseconds, the precision durable stores keep. */
    protected static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    /** The store under test, new for each test. */
    protected InterruptStore store;

    /** A new, empty store; called before each test. */
    protected abstract InterruptStore newStore();

    /** Closes {@code store} after each test when it is {@link AutoCloseable}. Override to clean up more. */
    protected void closeStore(InterruptStore store) throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    @BeforeEach
    public void openInterruptStore() {
        store = newStore();
    }

    @AfterEach
    public void closeInterruptStore() throws Exception {
        closeStore(store);
    }

    /** An open interrupt of {@code user}'s, its payload a JSON text with characters outside ASCII. */
    protected static StoredInterrupt interrupt(String id, String user, Instant createdAt, Instant purgeAt) {
        return new StoredInterrupt(id, user, "default", createdAt, purgeAt,
                "{\"tool\":\"listNotes\",\"arguments\":\"é ✓ " + id + "\"}");
    }

    @Test
    public void saveInterruptIsIdempotentAndNeverReplacesOrRevives() {
        StoredInterrupt first = interrupt("i1", "alice", NOW, NOW.plusSeconds(600));
        store.saveInterrupt(first);
        assertThat(store.findInterrupt("i1")).contains(first);
        store.saveInterrupt(new StoredInterrupt("i1", "alice", "default", NOW, NOW.plusSeconds(900),
                "{\"round\":2}"));
        assertThat(store.findInterrupt("i1")).as("a second save changes nothing").contains(first);

        InterruptClaim claim = store.claimInterrupt("i1", "a", NOW, NOW.plusSeconds(30)).orElseThrow();
        assertThat(store.finishInterrupt(claim)).isTrue();
        store.saveInterrupt(first); // a late flush, or a retry after a lost acknowledgement
        assertThat(store.findInterrupt("i1")).get().extracting(StoredInterrupt::state)
                .isEqualTo(StoredInterrupt.State.DONE);
        assertThat(store.claimInterrupt("i1", "b", NOW, NOW.plusSeconds(30))).isEmpty();
        assertThat(store.findInterruptsByUser("alice")).isEmpty();
        assertThat(store.findInterrupt("never")).isEmpty();
    }

    @Test
    public void claimInterruptHoldsALeaseThatIsRenewedReleasedOrTakenOverWithItsProgress() {
        store.saveInterrupt(interrupt("i2", "alice", NOW, NOW.plusSeconds(600)));
        InterruptClaim a = store.claimInterrupt("i2", "replica-a", NOW, NOW.plusSeconds(10)).orElseThrow();
        assertThat(a.takenOver()).isFalse();
        assertThat(a.progress()).isNull();
        assertThat(store.claimInterrupt("i2", "replica-b", NOW.plusSeconds(5), NOW.plusSeconds(15)))
                .as("the lease is live").isEmpty();
        assertThat(store.findInterrupt("i2").orElseThrow().state())
                .isEqualTo(StoredInterrupt.State.RESUMING);
        assertThat(store.renewInterrupt(a, NOW.plusSeconds(20), "{\"done\":[\"call-1\"]}")).isTrue();
        assertThat(store.claimInterrupt("i2", "replica-b", NOW.plusSeconds(15), NOW.plusSeconds(25)))
                .as("renewed").isEmpty();

        // replica-a dies: after its lease another replica takes over, with what it recorded
        InterruptClaim b = store.claimInterrupt("i2", "replica-b", NOW.plusSeconds(21), NOW.plusSeconds(40))
                .orElseThrow();
        assertThat(b.takenOver()).isTrue();
        assertThat(b.epoch()).isGreaterThan(a.epoch());
        assertThat(b.progress()).isEqualTo("{\"done\":[\"call-1\"]}");
        assertThat(store.renewInterrupt(a, NOW.plusSeconds(60), "{}")).as("the old claim is fenced").isFalse();
        assertThat(store.finishInterrupt(a)).isFalse();
        assertThat(store.releaseInterrupt(a)).isFalse();

        assertThat(store.releaseInterrupt(b)).isTrue();
        assertThat(store.findInterrupt("i2").orElseThrow().state()).isEqualTo(StoredInterrupt.State.OPEN);
        InterruptClaim c = store.claimInterrupt("i2", "replica-c", NOW.plusSeconds(22), NOW.plusSeconds(50))
                .orElseThrow();
        assertThat(c.progress()).as("kept across a release").isEqualTo("{\"done\":[\"call-1\"]}");
        assertThat(store.finishInterrupt(c)).isTrue();
        assertThat(store.findInterrupt("i2").orElseThrow().state()).isEqualTo(StoredInterrupt.State.DONE);
    }

    @Test
    public void claimInterruptWhenManyCallersRaceThenExactlyOneGetsIt() throws Exception {
        store.saveInterrupt(interrupt("race", "alice", NOW, NOW.plusSeconds(600)));
        assertThat(Races.winners(i -> store.claimInterrupt("race", "caller-" + i, NOW, NOW.plusSeconds(30))
                .isPresent())).isEqualTo(1);
    }

    @Test
    public void interruptsByUserListOpenAndResumingButNotDone() {
        store.saveInterrupt(interrupt("open", "alice", NOW, NOW.plusSeconds(600)));
        store.saveInterrupt(interrupt("resuming", "alice", NOW.plusSeconds(1), NOW.plusSeconds(600)));
        store.saveInterrupt(interrupt("done", "alice", NOW.plusSeconds(2), NOW.plusSeconds(600)));
        store.claimInterrupt("resuming", "a", NOW, NOW.plusSeconds(30)).orElseThrow();
        store.finishInterrupt(store.claimInterrupt("done", "a", NOW, NOW.plusSeconds(30))
                .orElseThrow());
        assertThat(store.findInterruptsByUser("alice")).extracting(StoredInterrupt::id)
                .containsExactly("open", "resuming");
        assertThat(store.findInterruptsByUser("alice").get(1).resumable(NOW.plusSeconds(31))).isTrue();
    }

    @Test
    public void interruptsByUserAreThatUsersOnlyOldestFirst() {
        store.saveInterrupt(interrupt("later", "alice", NOW.plusSeconds(5), NOW.plusSeconds(600)));
        store.saveInterrupt(interrupt("bobs", "bob", NOW, NOW.plusSeconds(600)));
        store.saveInterrupt(interrupt("earlier", "alice", NOW, NOW.plusSeconds(600)));
        assertThat(store.findInterruptsByUser("alice")).extracting(StoredInterrupt::id)
                .containsExactly("earlier", "later");
        assertThat(store.findInterruptsByUser("carol")).isEmpty();
    }

    @Test
    public void purgeExpiredInterruptsRemovesOnlyThosePastTheirPurgeTime() {
        store.saveInterrupt(interrupt("old", "alice", NOW.minusSeconds(7200), NOW.minusSeconds(1)));
        store.saveInterrupt(interrupt("new", "alice", NOW, NOW.plusSeconds(600)));
        assertThat(store.purgeExpiredInterrupts(NOW)).isEqualTo(1);
        assertThat(store.findInterrupt("old")).isEmpty();
        assertThat(store.findInterrupt("new")).isPresent();
    }

    @Test
    public void storedInterruptPrintsWithoutItsPayload() {
        StoredInterrupt i = interrupt("printed", "alice", NOW, NOW.plusSeconds(60));
        store.saveInterrupt(i);
        assertThat(i.toString()).doesNotContain("listNotes");
        assertThat(store.toString()).doesNotContain("listNotes");
    }
}
