package dev.agentauth.agent.spi;

import java.util.Objects;

/**
 * What a tool call answers the model: text, and whether it is an error. Framework-neutral; adapters translate it into
 * their framework's tool result. Never holds a credential: results of authenticated tools are redacted of the token
 * before they come back. Immutable and thread-safe.
 *
 * @param text  what the model reads
 * @param error whether the call failed
 * @since 0.3.0
 */
public record ToolResult(String text, boolean error) {

    public ToolResult {
        Objects.requireNonNull(text, "text");
    }

    /** A successful result. */
    public static ToolResult of(String text) {
        return new ToolResult(text, false);
    }

    /** A failed call, told to the model. */
    public static ToolResult error(String text) {
        return new ToolResult(text, true);
    }
}
