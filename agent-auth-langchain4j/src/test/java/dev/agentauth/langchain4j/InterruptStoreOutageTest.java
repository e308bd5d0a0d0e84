package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.InterruptClaim;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The interrupt store goes away while a turn is interrupted: the turn is not lost — the card is still shown, this
 * process keeps the interrupt and saves it in the background as soon as the store is back — and it is never resumed
 * from this process's copy, so a save whose acknowledgement was lost cannot make a tool run twice.
 */
class InterruptStoreOutageTest extends AgentToolsTestBase {

    /**
     * An interrupt store that can be switched off, as a database that is gone, or made to lose the acknowledgement
     * of the next save: the save happens, and the caller is told it failed.
     */
    static final class SwitchableStore implements InterruptStore {
        final InterruptStore delegate = InterruptStore.inMemory();
        volatile boolean down;
        volatile boolean loseNextAcknowledgement;

        private void check() {
            if (down) {
                throw new StoreUnavailableException("interrupt store down (test)", null);
            }
        }

        @Override
        public void saveInterrupt(StoredInterrupt interrupt) {
            check();
            delegate.saveInterrupt(interrupt);
            if (loseNextAcknowledgement) {
                loseNextAcknowledgement = false;
                throw new StoreUnavailableException("connection reset after the commit (test)", null);
            }
        }

        @Override
        public Optional<StoredInterrupt> findInterrupt(String id) {
            check();
            return delegate.findInterrupt(id);
        }

        @Override
        public Optional<InterruptClaim> claimInterrupt(String id, String owner, Instant now, Instant leaseUntil) {
            check();
            return delegate.claimInterrupt(id, owner, now, leaseUntil);
        }

        @Override
        public boolean renewInterrupt(InterruptClaim claim, Instant leaseUntil, String progress) {
            check();
            return delegate.renewInterrupt(claim, leaseUntil, progress);
        }

        @Override
        public boolean finishInterrupt(InterruptClaim claim) {
            check();
            return delegate.finishInterrupt(claim);
        }

        @Override
        public boolean releaseInterrupt(InterruptClaim claim) {
            check();
            return delegate.releaseInterrupt(claim);
        }

        @Override
        public List<StoredInterrupt> findInterruptsByUser(String user) {
            check();
            return delegate.findInterruptsByUser(user);
        }

        @Override
        public int purgeExpiredInterrupts(Instant now) {
            check();
            return delegate.purgeExpiredInterrupts(now);
        }
    }

    @Test
    void interruptWhenTheStoreIsDownThenShownHereSavedInTheBackgroundOnceBackAndResumedFromTheStore()
            throws Exception {
        agent(new ScriptedChatModel(SCRIPT));   // the broker and tools
        SwitchableStore store = new SwitchableStore();
        AuthenticatedAgent agent = AuthenticatedAgent.builder().broker(broker).chatModel(new ScriptedChatModel(SCRIPT))
                .tools(tools).clock(clock).interruptStore(store).build();
        Assistant assistant = agent.aiService(Assistant.class);
        store.down = true;

        ConsentInterrupt interrupt;
        try (LogCapture logs = LogCapture.start()) {
            interrupt = catchThrowableOfType(ConsentInterruptException.class,
                    () -> assistant.chat("outage", "list my notes", as("alice"))).interrupt();
            assertThat(logs.projectWarnings()).anyMatch(l -> l.contains("kept in this process"));
        }
        assertThat(agent.interrupt(interrupt.id())).contains(interrupt);
        assertThat(agent.pendingInterrupts("alice")).extracting(ConsentInterrupt::id).containsExactly(interrupt.id());
        authorizeAll(interrupt, "alice");
        assertThatThrownBy(() -> agent.resume(interrupt.id(), "alice")).as("never resumed from the kept copy")
                .isInstanceOfSatisfying(StoreUnavailableException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(tools.listRuns).hasValue(0);

        store.down = false;
        long saved = waitUntilSaved(store, interrupt.id());
        System.out.println("FAULT-FIGURE interrupt kept during an outage saved " + saved
                + " ms after the store came back, with nothing else happening");

        assertThat(agent.<String>resume(interrupt.id(), "alice")).contains("notes of alice");
        assertThat(tools.listRuns).hasValue(1);
        assertThat(store.delegate.findInterrupt(interrupt.id())).get().extracting(StoredInterrupt::state)
                .isEqualTo(StoredInterrupt.State.DONE);

        // A resume while the store is down, of an interrupt only the store has: a typed, retryable error.
        store.down = true;
        assertThatThrownBy(() -> agent.resume("elsewhere", "alice")).isInstanceOfSatisfying(
                StoreUnavailableException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void saveWhoseAcknowledgementWasLostThenResumedElsewhereThenNeverRevivedOrRunTwice() throws Exception {
        agent(new ScriptedChatModel(SCRIPT));
        SwitchableStore store = new SwitchableStore();
        java.util.Map<Object, dev.langchain4j.memory.ChatMemory> memories = new java.util.concurrent.ConcurrentHashMap<>();
        dev.langchain4j.memory.chat.ChatMemoryProvider shared = id -> memories.computeIfAbsent(id,
                k -> dev.langchain4j.memory.chat.MessageWindowChatMemory.withMaxMessages(50));
        AuthenticatedAgent a = AuthenticatedAgent.builder().broker(broker).chatModel(new ScriptedChatModel(SCRIPT))
                .tools(tools).clock(clock).interruptStore(store).chatMemoryProvider(shared).build();
        AuthenticatedAgent b = AuthenticatedAgent.builder().broker(broker).chatModel(new ScriptedChatModel(SCRIPT))
                .tools(tools).clock(clock).interruptStore(store.delegate).chatMemoryProvider(shared).build();
        store.loseNextAcknowledgement = true;
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> a.aiService(Assistant.class).chat("lost-ack", "list my notes", as("alice"))).interrupt();
        b.aiService(Assistant.class);
        authorizeAll(interrupt, "alice");

        assertThat(b.<String>resume(interrupt.id(), "alice")).contains("notes of alice");
        Thread.sleep(1_500); // past A's first background flush

        assertThat(a.pendingInterrupts("alice")).isEmpty();
        assertThat(b.pendingInterrupts("alice")).isEmpty();
        assertThatThrownBy(() -> a.resume(interrupt.id(), "alice")).isInstanceOfSatisfying(
                ResumeRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(ResumeRejectedException.Reason.UNKNOWN));
        assertThat(tools.listRuns).hasValue(1);
    }

    static long waitUntilSaved(SwitchableStore store, String id) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(15).toNanos();
        while (store.delegate.findInterrupt(id).isEmpty()) {
            assertThat(System.nanoTime()).as("saved in the background within 15 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }
}
