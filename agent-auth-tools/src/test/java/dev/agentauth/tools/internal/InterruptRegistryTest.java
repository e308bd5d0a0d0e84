package dev.agentauth.tools.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.Scopes;
import dev.agentauth.tools.ConsentInterrupt;
import dev.agentauth.tools.ConsentInterruptException;
import dev.agentauth.tools.ConsentMode;
import dev.agentauth.tools.PrincipalResolver;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.tool.ToolExecutionResult;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The interrupt registry on its own: one interrupt per turn, ids from the injected random source, chat memory
 * answered for every tool call when the interrupt settles, and an interrupt claimed by exactly one resume.
 */
class InterruptRegistryTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Principal ALICE = Principal.user("alice");

    final ChatMemory memory = MessageWindowChatMemory.builder().id("c1").maxMessages(50).build();
    final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    final TurnJournals journals = new TurnJournals(clock);

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
        AgentRuntime.Settings settings = new AgentRuntime.Settings(null, null, id -> memory,
                PrincipalResolver.invocationParameters("default"), ConsentMode.INTERRUPT, Duration.ofMinutes(1), null,
                clock, Duration.ofHours(1), List.of(), Reauthorization.defaults(), random,
                dev.agentauth.core.store.InterruptStore.inMemory(), dev.agentauth.tools.ResumeRecovery.AT_MOST_ONCE,
                Duration.ofSeconds(30));
        return new InterruptRegistry(settings, Map.of(), journals, new InterruptCodec(name -> null));
    }

    static ConsentRequirement consent(String provider) {
        return new ConsentRequirement(new ConsentId("consent-" + provider), ProviderId.of(provider), provider,
                Scopes.of("read"), URI.create("https://idp.example/authorize?x=" + provider),
                NOW.plus(Duration.ofMinutes(10)), ALICE);
    }

    static ToolExecutionRequest call(String id, String name) {
        return ToolExecutionRequest.builder().id(id).name(name).arguments("{}").build();
    }

    @Test
    void raiseWhenTwoCallsOfOneTurnNeedConsentThenOneInterruptListsBothWithAnIdFromTheInjectedRandom() {
        InterruptRegistry registry = registry(fixedRandom((byte) 7));
        ToolExecutionRequest notes = call("c1", "listNotes");
        ToolExecutionRequest events = call("c2", "listEvents");
        memory.add(UserMessage.from("what's up?"));
        memory.add(AiMessage.from(notes, events));
        InvocationContext turn = InvocationContext.builder().invocationId(UUID.randomUUID()).chatMemoryId("c1")
                .build();

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
    void settleWhenOneCallRanAndOneWaitsThenMemoryAnswersEveryCallOnce() {
        InterruptRegistry registry = registry(new SecureRandom());
        ToolExecutionRequest clock = call("c1", "currentTime");
        ToolExecutionRequest notes = call("c2", "listNotes");
        memory.add(UserMessage.from("time and notes?"));
        memory.add(AiMessage.from(clock, notes));
        InvocationContext turn = InvocationContext.builder().invocationId(UUID.randomUUID()).chatMemoryId("c1")
                .build();
        journals.of(turn).completed.put("c1", ToolExecutionResult.builder().resultText("12:00").build());

        ConsentInterruptException raised = registry.raise(turn, ALICE, notes, consent("notes"));
        ConsentInterrupt settled = registry.settle(raised).interrupt();
        registry.settle(raised); // settling twice adds nothing

        List<ChatMessage> messages = memory.messages();
        List<ToolExecutionResultMessage> results = messages.stream()
                .filter(m -> m instanceof ToolExecutionResultMessage).map(m -> (ToolExecutionResultMessage) m)
                .toList();
        assertThat(results).extracting(ToolExecutionResultMessage::id).containsExactly("c1", "c2");
        assertThat(results.get(0).text()).isEqualTo("12:00");
        assertThat(results.get(1).text()).contains("Waiting for the user to authorize");
        assertThat(settled.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::id)
                .containsExactly("c2");
    }

    @Test
    void claimWhenEightThreadsClaimOneInterruptThenExactlyOneGetsIt() throws Exception {
        InterruptRegistry registry = registry(new SecureRandom());
        ToolExecutionRequest notes = call("c1", "listNotes");
        memory.add(AiMessage.from(notes));
        InvocationContext turn = InvocationContext.builder().invocationId(UUID.randomUUID()).chatMemoryId("c1")
                .build();
        ConsentInterruptException raised = registry.raise(turn, ALICE, notes, consent("notes"));
        assertThat(registry.find(raised.interrupt().id())).as("stored once settled, not before").isNull();
        String id = registry.settle(raised).interrupt().id();
        InterruptRegistry.Interrupted state = registry.find(id);
        assertThat(state.memoryId).isEqualTo("c1");
        assertThat(state.consentByCall).containsKey("c1");

        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Callable<Boolean>> takers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            takers.add(() -> registry.storage().claim(state, "resumer-" + n, Duration.ofSeconds(30)).isPresent());
        }
        int taken = 0;
        for (Future<Boolean> f : pool.invokeAll(takers)) {
            taken += f.get() ? 1 : 0;
        }
        pool.shutdown();

        assertThat(taken).isEqualTo(1);
        assertThat(registry.find(id).stored.state()).isEqualTo(dev.agentauth.core.store.StoredInterrupt.State.RESUMING);
    }
}
