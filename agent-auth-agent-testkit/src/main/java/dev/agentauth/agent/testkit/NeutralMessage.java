package dev.agentauth.agent.testkit;

import dev.agentauth.agent.ToolCall;
import java.util.List;
import java.util.Objects;

/**
 * One chat message as every framework has it, in a form the contract reads whatever the framework: the user's text,
 * the model's answer (text and tool calls), one tool call's result, or the system's instructions. A harness
 * translates its framework's messages into these — one {@link ToolResult} per answered call, also where its
 * framework keeps several results in one message (Spring AI's {@code ToolResponseMessage}) — for chat memory
 * ({@link AgentUnderTest#memory}) and for the requests its scripted model receives ({@link ModelRequest}).
 * Immutable and thread-safe.
 *
 * @since 0.3.0
 */
public sealed interface NeutralMessage {

    /** The message's text; {@code null} for an answer that only calls tools. */
    String text();

    /**
     * What the user said.
     *
     * @param text the user's message
     */
    record User(String text) implements NeutralMessage {
        public User {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * What the model answered: text, tool calls, or both.
     *
     * @param text      the answer's text, or {@code null}
     * @param toolCalls the tool calls, in order, with the arguments the model wrote (ids as the model gave them)
     */
    record Assistant(String text, List<ToolCall> toolCalls) implements NeutralMessage {
        public Assistant {
            toolCalls = List.copyOf(toolCalls);
        }
    }

    /**
     * The result of one tool call, as the model reads it.
     *
     * @param callId   the id of the call it answers
     * @param toolName the tool
     * @param text     the result
     */
    record ToolResult(String callId, String toolName, String text) implements NeutralMessage {
        public ToolResult {
            Objects.requireNonNull(callId, "callId");
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * The system's instructions to the model (a system message).
     *
     * @param text the instructions
     */
    record Instructions(String text) implements NeutralMessage {
        public Instructions {
            Objects.requireNonNull(text, "text");
        }
    }
}
