package dev.agentauth.agent.spi;

import java.util.Objects;

/**
 * How an interrupted turn continues once it is resumed, as its framework adapter wrote it down: which framework call
 * to make again (a LangChain4j AI-service method and its arguments, a Spring AI chat request), as JSON the adapter
 * reads back. Stored with the interrupt (encrypted by durable stores: arguments are the user's data), so any replica
 * can continue the turn. Never holds a credential. Immutable and thread-safe.
 *
 * @param adapter which adapter wrote it (e.g. {@code langchain4j}); another adapter refuses to continue it
 * @param state   the adapter's JSON
 * @since 0.3.0
 */
public record Continuation(String adapter, String state) {

    public Continuation {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(state, "state");
    }

    @Override
    public String toString() {
        return "Continuation[" + adapter + ", " + state.length() + " chars]";
    }
}
