package dev.agentauth.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRecovery;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.Continuation;
import dev.agentauth.agent.spi.FrameworkAdapter;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.agent.spi.Turn;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Telemetry;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.StoredInterrupt;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The interrupt registry on its own, with no framework: one interrupt per turn, ids from the injected random source,
 * every tool call of the turn answered through the framework adapter when the interrupt settles (the real result, or
 * a placeholder), and an interrupt claimed by exactly one resume.
 */
class InterruptRegistryTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Principal ALICE = Principal.user("alice");

    final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    final TurnJournals journals = new TurnJournals(clock);
    final Map<String, ToolResult> settledAnswers = new LinkedHashMap<>();
    final List<Integer> settleCalls = new ArrayList<>();

    /** A framework that records what the core asks it to write into memory. */
    final FrameworkAdapter framework = new FrameworkAdapter() {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public void settled(Object memoryId, List<ToolCall> batch, Map<String, ToolResult> answers) {
            settleCalls.add(answers.size());
            settledAnswers.putAll(answers);
        }

        @Override
        public void resumed(Object memoryId, List<ToolCall> batch, Map<String, ToolResult> answers) {
        }

        @Override
        public void checkContinuable(String interruptId, Principal principal, Continuation continuation) {
        }

        @Override
        public Object continueTurn(Continuation continuation, Object memoryId, Principal principal) {
            return "continued";
        }
    };

    /** A turn whose assistant message made {@code batch}. */
    static Turn turn(List<ToolCall> batch) {
        String id = UUID.randomUUID().toString();
        return new Turn() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public Object memoryId() {
                return "c1";
            }

            @Override
            public Principal principal() {
                return ALICE;
            }

            @Override
            public List<ToolCall> batch(ToolCall current) {
                return batch;
            }

            @Override
            public Continuation continuation() {
                return new Continuation("test", "{}");
            }
        };
    }

    /** A source of randomness that repeats one byte: interrupt ids become predictable. */
    static SecureRandom fixedRandom(byte b) {
        return new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                java.util.Arrays.fill(bytes, b);
            }
        };
    }

    InterruptRegistry registry(SecureRandom random) {
        AgentSettings settings = new AgentSettings(null, framework, ConsentMode.INTERRUPT, Duration.ofMinutes(1), null,
                clock, Duration.ofHours(1), Reauthorization.defaults(), random, InterruptStore.inMemory(),
                ResumeRecovery.AT_MOST_ONCE, Duration.ofSeconds(30), Telemetry.NONE);
        return new InterruptRegistry(settings, name -> null, journals);
    }

    static ConsentRequirement consent(String provider) {
        return new ConsentRequirement(new ConsentId("consent-" + provider), ProviderId.of(provider), provider,
                Scopes.of("read"), URI.create("https://idp.example/authorize?x=" + provider),
                NOW.plus(Duration.ofMinutes(10)), ALICE);
    }

    static ToolCall call(String id, String name) {
        return new ToolCall(id, name, "{}");
    }

    @Test
    void raiseWhenTwoCallsOfOneTurnNeedConsentThenOneInterruptListsBothWithAnIdFromTheInjectedRandom() {
        InterruptRegistry registry = registry(fixedRandom((byte) 7));
        ToolCall notes = call("c1", "listNotes");
        ToolCall events = call("c2", "listEvents");
        Turn turn = turn(List.of(notes, events));

        ConsentInterrupt first = registry.raise(turn, ALICE, notes, consent("notes")).interrupt();
        ConsentInterrupt second = registry.raise(turn, ALICE, events, consent("calendar")).interrupt();

        byte[] seven = new byte[12];
        java.util.Arrays.fill(seven, (byte) 7);
        assertThat(first.id()).isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(seven))
                .isEqualTo(second.id());
        assertThat(second.consents()).extracting(ConsentInterrupt.Consent::provider)
                .containsExactly("notes", "calendar");
        assertThat(second.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::toolName)
                .containsExactly("listNotes", "listEvents");
    }

    @Test
    void settleWhenOneCallRanAndOneWaitsThenEveryCallIsAnsweredOnce() {
        InterruptRegistry registry = registry(new SecureRandom());
        ToolCall time = call("c1", "currentTime");
        ToolCall notes = call("c2", "listNotes");
        Turn turn = turn(List.of(time, notes));
        journals.of(turn.id()).completed.put("c1", ToolResult.of("12:00"));

        ConsentInterruptException raised = registry.raise(turn, ALICE, notes, consent("notes"));
        ConsentInterrupt settled = registry.settle(raised).interrupt();
        registry.settle(raised); // settling twice answers nothing more

        assertThat(settleCalls).containsExactly(2);
        assertThat(settledAnswers.get("c1").text()).isEqualTo("12:00");
        assertThat(settledAnswers.get("c2").text()).contains("Waiting for the user to authorize");
        assertThat(settled.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::id)
                .containsExactly("c2");
    }

    @Test
    void claimWhenEightThreadsClaimOneInterruptThenExactlyOneGetsIt() throws Exception {
        InterruptRegistry registry = registry(new SecureRandom());
        ToolCall notes = call("c1", "listNotes");
        ConsentInterruptException raised = registry.raise(turn(List.of(notes)), ALICE, notes, consent("notes"));
        assertThat(registry.find(raised.interrupt().id())).as("stored once settled, not before").isNull();
        String id = registry.settle(raised).interrupt().id();
        InterruptRegistry.Interrupted state = registry.find(id);
        assertThat(state.memoryId).isEqualTo("c1");
        assertThat(state.consentByCall).containsKey("c1");
        assertThat(state.continuation).isEqualTo(new Continuation("test", "{}"));

        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Callable<Boolean>> claimers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            claimers.add(() -> registry.storage().claim(state, "resumer-" + n, Duration.ofSeconds(30)).isPresent());
        }
        int claimed = 0;
        for (Future<Boolean> f : pool.invokeAll(claimers)) {
            claimed += f.get() ? 1 : 0;
        }
        pool.shutdown();

        assertThat(claimed).isEqualTo(1);
        assertThat(registry.find(id).stored.state()).isEqualTo(StoredInterrupt.State.RESUMING);
    }

    @Test
    void turnsWhenTheyEndOrTheirInterruptSettlesThenNoJournalIsKeptHoweverManyTurnsRan() {
        InterruptRegistry registry = registry(fixedRandom((byte) 3));
        for (int i = 0; i < 10_000; i++) {
            Turn turn = turn(List.of(call("c" + i, "listNotes")));
            journals.of(turn.id()).completed.put("c" + i, ToolResult.of("done"));
            registry.turnEnded(turn.id());
        }
        assertThat(registry.journals()).isZero();

        // An interrupted turn: its end, reported before the interrupt settles, keeps the journal for the settle.
        ToolCall ran = call("r1", "listEvents");
        ToolCall waits = call("r2", "listNotes");
        Turn interrupted = turn(List.of(ran, waits));
        journals.of(interrupted.id()).completed.put(ran.id(), ToolResult.of("events"));
        ConsentInterruptException thrown = registry.raise(interrupted, ALICE, waits, consent("notes"));
        registry.turnEnded(interrupted.id());
        assertThat(registry.journals()).isEqualTo(1);
        registry.settle(thrown);
        assertThat(settledAnswers).containsEntry(ran.id(), ToolResult.of("events"));
        assertThat(registry.journals()).isZero();
    }
}
