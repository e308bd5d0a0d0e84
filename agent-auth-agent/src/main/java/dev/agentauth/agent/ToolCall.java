package dev.agentauth.agent;

import java.util.Objects;

/**
 * One tool call as the model made it: its id, the tool's name and the arguments the model wrote (a JSON object, as
 * text). Framework-neutral: every adapter translates its framework's tool call into this. Never holds a credential:
 * tokens are injected after, and only into the call the tool's own code receives. Immutable and thread-safe.
 *
 * @param id        the call's id, unique in its assistant message
 * @param name      the tool's name
 * @param arguments the arguments, a JSON object as text (may be empty)
 * @since 0.3.0
 */
public record ToolCall(String id, String name, String arguments) {

    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        arguments = arguments == null ? "" : arguments;
    }
}
