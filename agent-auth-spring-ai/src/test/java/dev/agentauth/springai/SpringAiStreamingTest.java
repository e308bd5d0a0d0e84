package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * {@code ChatClient.stream()}: a tool needing consent ends the stream with the settled
 * {@link ConsentInterruptException} itself in {@code onError} (memory answered, the interrupt stored), and {@code resumeStream} streams the continued
 * answer.
 */
class SpringAiStreamingTest extends SpringAiTestBase {

    @Test
    void streamWhenNoTokenThenErrorIsTheInterruptThenResumeStreamsTheAnswer() {
        AuthenticatedChatClient agent = agent();
        Flux<String> stream = spec(agent, "kate", "s1", "list my notes").stream().content();
        List<String> parts = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        stream.doOnNext(parts::add).doOnError(error::set).onErrorResume(e -> Flux.empty())
                .blockLast(Duration.ofSeconds(30));

        assertThat(parts).isEmpty();
        assertThat(error.get()).isInstanceOf(ConsentInterruptException.class);
        ConsentInterrupt interrupt = ((ConsentInterruptException) error.get()).interrupt();
        assertThat(agent.interrupt(interrupt.id())).contains(interrupt);
        assertEveryToolCallAnswered(memory.get("s1"));

        authorizeAll(interrupt, "kate");
        List<String> continued = agent.resumeStream(interrupt.id(), "kate").content().collectList()
                .block(Duration.ofSeconds(30));
        assertThat(continued).hasSize(2); // streamed, in the model's two chunks
        assertThat(String.join("", continued)).isEqualTo("Answer: listNotes -> \"notes of kate: [welcome, kate]\"");
        assertThat(String.join("", continued)).isEqualTo(memory.get("s1").get(memory.get("s1").size() - 1)
                .getText());
        assertThat(tools.listRuns).hasValue(1);
        assertEveryToolCallAnswered(memory.get("s1"));
    }

    @Test
    void blockingCallInterruptedThenResumedStreamingAndStreamInterruptedThenResumedBlocking() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt blocking = org.assertj.core.api.Assertions.catchThrowableOfType(
                ConsentInterruptException.class, () -> chat(agent, "liam", "s2", "list my notes")).interrupt();
        authorizeAll(blocking, "liam");
        assertThat(String.join("", agent.resumeStream(blocking.id(), "liam").content().collectList().block()))
                .contains("notes of liam");

        Throwable streamed = spec(agent, "mia", "s3", "list my notes").stream().content()
                .onErrorResume(e -> Flux.just("error:" + e.getClass().getSimpleName()))
                .collectList().map(l -> new IllegalStateException(String.join("", l))).block();
        assertThat(streamed.getMessage()).isEqualTo("error:ConsentInterruptException");
        ConsentInterrupt open = agent.pendingInterrupts("mia").get(0);
        authorizeAll(open, "mia");
        assertThat(agent.resume(open.id(), "mia").content()).contains("notes of mia");
        assertEveryToolCallAnswered(memory.get("s3"));
    }
}
