package dev.agentauth.agent.testkit;

import dev.agentauth.agent.ToolCall;
import java.util.List;

/**
 * What a {@link ModelScript} answers: tool calls to make, or a text. A harness's scripted model returns it in its
 * framework's form — LangChain4j: an {@code AiMessage} with {@code ToolExecutionRequest}s or text; Spring AI: a
 * {@code ChatResponse} of one {@code Generation} whose {@code AssistantMessage} has
 * {@code AssistantMessage.ToolCall(id, "function", name, arguments)}s or text. Immutable and thread-safe.
 *
 * @param text      the answer's text, or {@code null} when it calls tools
 * @param toolCalls the calls, in order, each with its id, tool name and JSON arguments; empty for a text
 * @since 0.3.0
 */
public record ModelReply(String text, List<ToolCall> toolCalls) {

    public ModelReply {
        toolCalls = List.copyOf(toolCalls);
        if ((text == null) == toolCalls.isEmpty()) {
            throw new IllegalArgumentException("a reply is a text or tool calls");
        }
    }

    /** An answer in words. */
    public static ModelReply text(String text) {
        return new ModelReply(text, List.of());
    }

    /** An answer that calls tools. */
    public static ModelReply toolCalls(List<ToolCall> calls) {
        return new ModelReply(null, calls);
    }

    /** Whether this answer calls tools. */
    public boolean callsTools() {
        return !toolCalls.isEmpty();
    }
}
