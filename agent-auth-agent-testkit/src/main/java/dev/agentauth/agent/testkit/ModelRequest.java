package dev.agentauth.agent.testkit;

import java.util.List;
import java.util.Objects;

/**
 * One request an agent sent to its model, as the harness's scripted model hands it to {@link ModelScript#answer}:
 * the conversation, the tools offered, and everything the framework sent, as text. The contract reads the first two
 * to check the turn (the user's message once, the tool results in place) and the text to check that no credential
 * ever reached the model. Immutable and thread-safe.
 *
 * @param messages the conversation the model is asked to continue, oldest first
 * @param tools    the tools offered to the model
 * @param text     the whole request as the framework would send it: messages, tool schemas, options — rendered
 *                 with every field (a {@code toString()} of each part is enough), so a credential anywhere in it shows
 * @since 0.3.0
 */
public record ModelRequest(List<NeutralMessage> messages, List<OfferedTool> tools, String text) {

    public ModelRequest {
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
        Objects.requireNonNull(text, "text");
    }

    /**
     * A tool as the model is told about it.
     *
     * @param name        the tool's name
     * @param description its description, or {@code null}
     * @param parameters  its parameters' schema as text, naming every parameter the model may fill in (a credential
     *                    parameter must not be among them)
     */
    public record OfferedTool(String name, String description, String parameters) {
        public OfferedTool {
            Objects.requireNonNull(name, "name");
            parameters = parameters == null ? "" : parameters;
        }
    }
}
