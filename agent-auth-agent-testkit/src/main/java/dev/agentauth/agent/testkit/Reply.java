package dev.agentauth.agent.testkit;

import java.util.List;
import java.util.Objects;

/**
 * What one call of the agent under test answered: the model's final text and, for a streaming agent, the chunks it
 * was streamed in. Immutable and thread-safe.
 *
 * @param text   the answer
 * @param chunks the partial responses in the order they arrived (their concatenation is {@code text}); empty when
 *               the agent does not stream
 * @since 0.3.0
 */
public record Reply(String text, List<String> chunks) {

    public Reply {
        Objects.requireNonNull(text, "text");
        chunks = List.copyOf(chunks);
    }

    /** An answer that was not streamed. */
    public static Reply of(String text) {
        return new Reply(text, List.of());
    }

    /** An answer streamed in {@code chunks}. */
    public static Reply streamed(String text, List<String> chunks) {
        return new Reply(text, chunks);
    }
}
