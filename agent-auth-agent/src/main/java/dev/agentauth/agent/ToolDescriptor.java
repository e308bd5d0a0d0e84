package dev.agentauth.agent;

import java.util.Objects;

/**
 * A tool as a {@link ToolSource} describes it to the model, framework-neutral: its name, what it does, and its input as
 * a JSON Schema object (as text, as MCP and OpenAI-style models take it). Adapters turn it into their framework's tool
 * specification. Immutable and thread-safe.
 *
 * @param name        the tool's name
 * @param description what it does, for the model (and the consent card), or {@code null}
 * @param inputSchema the JSON Schema of its arguments (an object schema, as text), or {@code null} for none
 * @since 0.3.0
 */
public record ToolDescriptor(String name, String description, String inputSchema) {

    public ToolDescriptor {
        Objects.requireNonNull(name, "name");
    }
}
