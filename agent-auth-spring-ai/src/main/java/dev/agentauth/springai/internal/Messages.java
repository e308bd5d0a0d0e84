package dev.agentauth.springai.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.ToolResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * Spring AI messages as the agent keeps them: to and from JSON (a turn's prompt and tool exchange, stored with its
 * interrupt for any replica), and the tool-call bookkeeping of a conversation (which calls an assistant message made,
 * which have a response). Text, tool calls and tool responses only: a message with media cannot be written down
 * ({@link #writable}). Stateless and thread-safe.
 */
public final class Messages {

    static final ObjectMapper JSON = new ObjectMapper();

    private Messages() {
    }

    /** Whether every message can be kept as JSON (no media). */
    static boolean writable(List<Message> messages) {
        for (Message m : messages) {
            if (m instanceof UserMessage u && !u.getMedia().isEmpty()
                    || m instanceof AssistantMessage a && !a.getMedia().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** {@code messages} as a JSON array (see {@link #writable}: media are left out). */
    public static ArrayNode toJson(List<Message> messages) {
        ArrayNode out = JSON.createArrayNode();
        for (Message m : messages) {
            ObjectNode n = out.addObject();
            if (m instanceof ToolResponseMessage t) {
                n.put("type", "tool");
                ArrayNode responses = n.putArray("responses");
                for (ToolResponseMessage.ToolResponse r : t.getResponses()) {
                    responses.addObject().put("id", r.id()).put("name", r.name()).put("data", r.responseData());
                }
            } else if (m instanceof AssistantMessage a) {
                n.put("type", "assistant").put("text", a.getText());
                ArrayNode calls = n.putArray("toolCalls");
                for (AssistantMessage.ToolCall c : a.getToolCalls()) {
                    calls.addObject().put("id", c.id()).put("type", c.type()).put("name", c.name())
                            .put("arguments", c.arguments());
                }
            } else if (m instanceof SystemMessage s) {
                n.put("type", "system").put("text", s.getText());
            } else {
                n.put("type", "user").put("text", m.getText());
            }
        }
        return out;
    }

    /** The messages a {@link #toJson} wrote. */
    public static List<Message> fromJson(JsonNode array) {
        List<Message> out = new ArrayList<>();
        for (JsonNode n : array) {
            String text = n.hasNonNull("text") ? n.get("text").asText() : null;
            switch (n.path("type").asText()) {
                case "tool" -> {
                    List<ToolResponseMessage.ToolResponse> responses = new ArrayList<>();
                    for (JsonNode r : n.path("responses")) {
                        responses.add(new ToolResponseMessage.ToolResponse(r.path("id").asText(),
                                r.path("name").asText(), r.path("data").asText()));
                    }
                    out.add(ToolResponseMessage.builder().responses(responses).build());
                }
                case "assistant" -> {
                    List<AssistantMessage.ToolCall> calls = new ArrayList<>();
                    for (JsonNode c : n.path("toolCalls")) {
                        calls.add(new AssistantMessage.ToolCall(c.path("id").asText(), c.path("type").asText(),
                                c.path("name").asText(), c.path("arguments").asText()));
                    }
                    out.add(AssistantMessage.builder().content(text).toolCalls(calls).build());
                }
                case "system" -> out.add(new SystemMessage(text == null ? "" : text));
                default -> out.add(new UserMessage(text == null ? "" : text));
            }
        }
        return out;
    }

    /** The tool calls of {@code assistant}, as the agent core sees them. */
    static List<ToolCall> calls(AssistantMessage assistant) {
        return assistant.getToolCalls().stream().map(c -> new ToolCall(c.id(), c.name(), c.arguments())).toList();
    }

    /** The assistant message that made {@code batch}'s tool calls: one with tool calls of the same ids. */
    static AssistantMessage assistant(List<ToolCall> batch) {
        return AssistantMessage.builder().content("").toolCalls(batch.stream().map(c -> new AssistantMessage.ToolCall(
                c.id(), "function", c.name(), c.arguments())).toList()).build();
    }

    /** One response per call of {@code batch} that {@code results} answers, in the batch's order. */
    static ToolResponseMessage responses(List<ToolCall> batch, Map<String, ToolResult> results) {
        List<ToolResponseMessage.ToolResponse> responses = new ArrayList<>();
        for (ToolCall c : batch) {
            ToolResult r = results.get(c.id());
            if (r != null) {
                responses.add(new ToolResponseMessage.ToolResponse(c.id(), c.name(), r.text()));
            }
        }
        return ToolResponseMessage.builder().responses(responses).build();
    }

    /** The index of the last assistant message in {@code messages} that made a call of {@code batch}, or -1. */
    static int lastAssistantOf(List<Message> messages, List<ToolCall> batch) {
        Set<String> ids = new HashSet<>();
        batch.forEach(c -> ids.add(c.id()));
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof AssistantMessage a
                    && a.getToolCalls().stream().anyMatch(c -> ids.contains(c.id()))) {
                return i;
            }
        }
        return -1;
    }

    /** The ids answered by tool responses after index {@code from} in {@code messages}. */
    static Set<String> answeredAfter(List<Message> messages, int from) {
        Set<String> answered = new HashSet<>();
        for (int i = from + 1; i < messages.size(); i++) {
            if (messages.get(i) instanceof ToolResponseMessage t) {
                t.getResponses().forEach(r -> answered.add(r.id()));
            }
        }
        return answered;
    }
}
