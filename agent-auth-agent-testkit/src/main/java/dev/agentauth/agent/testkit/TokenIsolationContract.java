package dev.agentauth.agent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentInterrupt;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Whose token a tool of the adapter's gets: two users chatting with one agent at once — interrupted, resumed and then
 * taking turns concurrently — each get only their own, never the other's; a token argument the model writes is
 * overwritten; the credential parameter is never offered to the model.
 *
 * <p>Extend it with a {@code harness()} returning the adapter's {@link AgentHarness}. Its tests block on the agents
 * and may start threads of their own; see {@link AgentContract}.
 *
 * @since 0.3.0
 */
public abstract class TokenIsolationContract extends AgentContract {

    @Test
    public void twoUsersAtOnceWhenInterruptedResumedAndChattingConcurrentlyThenEachToolRunsWithTheirOwnToken()
            throws Exception {
        TestAgent a = agent();
        List<String> users = List.of("pat", "quinn");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            // both interrupted at once, both resumed at once
            Map<String, ConsentInterrupt> interrupts = new ConcurrentHashMap<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> started = new ArrayList<>();
            for (String user : users) {
                started.add(pool.submit(() -> {
                    go.await();
                    interrupts.put(user, a.interrupted(user, "t-" + user, LIST));
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : started) {
                f.get(60, TimeUnit.SECONDS);
            }
            for (String user : users) {
                assertThat(interrupts.get(user).user()).isEqualTo(user);
                authorize(interrupts.get(user), user);
            }
            Map<String, Future<Reply>> resumed = new ConcurrentHashMap<>();
            for (String user : users) {
                resumed.put(user, pool.submit(() -> a.agent.resume(interrupts.get(user).id(), user)));
            }
            for (String user : users) {
                assertThat(resumed.get(user).get(60, TimeUnit.SECONDS).text())
                        .isEqualTo(answer(ContractTools.LIST_NOTES, notesOf(user)));
            }

            // then twenty turns at once, alternating, each in a conversation of its own
            List<Future<String>> turns = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String user = users.get(i % 2);
                String conversation = "t-" + user + "-" + i;
                turns.add(pool.submit((Callable<String>) () -> user + "="
                        + a.agent.send(user, conversation, LIST).text()));
            }
            for (Future<String> f : turns) {
                String line = f.get(60, TimeUnit.SECONDS);
                String user = line.substring(0, line.indexOf('='));
                String other = user.equals("pat") ? "quinn" : "pat";
                assertThat(line).contains(notesOf(user)).doesNotContain(other);
            }
        } finally {
            pool.shutdownNow();
        }

        Map<String, Long> runsBySubject = a.tools.runs().stream()
                .collect(Collectors.groupingBy(r -> subject(r.token()), Collectors.counting()));
        assertThat(runsBySubject).as("each user's 11 runs, each with their own token")
                .isEqualTo(Map.of("pat", 11L, "quinn", 11L));
        assertThat(a.tools.runs().stream().map(ContractTools.Run::token).distinct()
                .collect(Collectors.groupingBy(AgentContract::subject, Collectors.counting())))
                .as("one token per user, cached and shared by their turns").isEqualTo(Map.of("pat", 1L, "quinn", 1L));
    }

    @Test
    public void toolWhenTheModelWritesATokenArgumentThenItIsOverwrittenAndNoCredentialParameterIsOffered() {
        TestAgent a = agent();
        connect(a, "rosa", "c-rosa");

        Reply reply = a.agent.send("rosa", "c-rosa", FORGED);

        assertThat(reply.text()).isEqualTo(answer(ContractTools.LIST_NOTES, notesOf("rosa")));
        ContractTools.Run last = a.tools.runs().get(a.tools.runs().size() - 1);
        assertThat(last.token()).isNotEqualTo("forged");
        assertThat(subject(last.token())).isEqualTo("rosa");
        assertThat(lastCall(a.memory("c-rosa"), ContractTools.LIST_NOTES).arguments())
                .as("memory keeps what the model wrote, never the token").doesNotContain(last.token());

        List<ModelRequest> requests = a.model.requests();
        assertThat(requests).isNotEmpty().allSatisfy(r -> {
            Map<String, ModelRequest.OfferedTool> offered = r.tools().stream()
                    .collect(Collectors.toMap(ModelRequest.OfferedTool::name, Function.identity()));
            assertThat(offered).as("the tools offered to the model")
                    .containsKeys(ContractTools.LIST_NOTES, ContractTools.ARCHIVE_NOTES);
            assertThat(offered.get(ContractTools.LIST_NOTES).description())
                    .isEqualTo(ContractTools.LIST_NOTES_DESCRIPTION);
            for (ModelRequest.OfferedTool tool : offered.values()) {
                assertThat(tool.parameters()).as(tool.name() + "'s parameters name no credential")
                        .doesNotContainIgnoringCase("token").doesNotContainIgnoringCase("credential");
            }
        });
    }
}
