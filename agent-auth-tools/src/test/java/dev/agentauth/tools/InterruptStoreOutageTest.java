package dev.agentauth.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.tools.testing.ScriptedChatModel;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The interrupt store goes away while a turn is interrupted: the turn is not lost — the card is still shown, this
 * process keeps the interrupt and resumes it — and once the store is back, it is saved there.
 */
class InterruptStoreOutageTest extends AgentToolsTestBase {

    /** An interrupt store that can be switched off, as a database that is gone. */
    static final class SwitchableStore implements InterruptStore {
        final InterruptStore delegate = InterruptStore.inMemory();
        volatile boolean down;

        private void check() {
            if (down) {
                throw new StoreUnavailableException("interrupt store down (test)", null);
            }
        }

        @Override
        public void saveInterrupt(StoredInterrupt interrupt) {
            check();
            delegate.saveInterrupt(interrupt);
        }

        @Override
        public Optional<StoredInterrupt> findInterrupt(String id) {
            check();
            return delegate.findInterrupt(id);
        }

        @Override
        public Optional<StoredInterrupt> takeInterrupt(String id) {
            check();
            return delegate.takeInterrupt(id);
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
    void interruptWhenTheStoreIsDownThenKeptInProcessShownResumedAndSavedOnceTheStoreIsBack() {
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

        store.down = false;
        assertThat(agent.pendingInterrupts("alice")).extracting(ConsentInterrupt::id).containsExactly(interrupt.id());
        assertThat(store.delegate.findInterrupt(interrupt.id())).as("saved once the store is back").isPresent();

        authorizeAll(interrupt, "alice");
        assertThat(agent.<String>resume(interrupt.id(), "alice")).contains("notes of alice");
        assertThat(tools.listRuns).hasValue(1);
        assertThat(store.delegate.findInterrupt(interrupt.id())).isEmpty();

        // A resume while the store is down, of an interrupt only the store has: a typed, retryable error.
        store.down = true;
        assertThatThrownBy(() -> agent.resume("elsewhere", "alice")).isInstanceOfSatisfying(
                StoreUnavailableException.class, e -> assertThat(e.retryable()).isTrue());
    }
}
