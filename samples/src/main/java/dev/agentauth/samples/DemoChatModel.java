package dev.agentauth.samples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in demo model: not a language model, a few rules that pick a tool from keywords in the message, so the
 * demo runs with no account and no network. When the tool results come back it answers with them. Set
 * {@code OPENAI_API_KEY} (and optionally {@code OPENAI_BASE_URL}, {@code OPENAI_MODEL}) for a real model.
 */
final class DemoChatModel implements ChatModel {

    static final String LABEL = "built-in demo model (rule-based, not an LLM)";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public ChatResponse doChat(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        ChatMessage last = messages.get(messages.size() - 1);
        if (last instanceof UserMessage user) {
            return answer(pickTool(user.singleText(), request.toolSpecifications()));
        }
        List<String> results = new ArrayList<>();
        boolean connected = false;
        for (int i = messages.size() - 1; i >= 0 && messages.get(i) instanceof ToolExecutionResultMessage r; i--) {
            results.add(0, r.text());
            connected |= r.toolName().startsWith("connect_") && !Boolean.TRUE.equals(r.isError());
        }
        if (connected) {
            // A server was just connected and its tools are now offered: do what the user asked in the first place.
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (messages.get(i) instanceof UserMessage user) {
                    AiMessage next = pickTool(user.singleText(), request.toolSpecifications());
                    if (next.hasToolExecutionRequests()
                            && !next.toolExecutionRequests().get(0).name().startsWith("connect_")) {
                        return answer(next);
                    }
                    break;
                }
            }
        }
        return answer(AiMessage.from(String.join("\n", results)));
    }

    private static ChatResponse answer(AiMessage message) {
        return ChatResponse.builder().aiMessage(message).build();
    }

    private static AiMessage pickTool(String text, List<ToolSpecification> tools) {
        String t = text.toLowerCase(Locale.ROOT);
        if (t.contains("note") && containsAny(t, "add", "save", "remember", "write", "new", "create")) {
            String note = text.contains(":") ? text.substring(text.indexOf(':') + 1).strip() : text.strip();
            return call(tools, "addNote", Map.of("text", note));
        }
        if (t.contains("note")) {
            return call(tools, "listNotes", Map.of());
        }
        if (containsAny(t, "status", "health", "stats")) {
            return call(tools, "serviceStatus", Map.of());
        }
        Matcher pay = Pattern.compile("\\bpay\\s+([a-z0-9]+)\\s+(\\d+(?:\\.\\d{1,2})?)").matcher(t);
        if (pay.find()) {
            return call(tools, "pay", Map.of("creditor", pay.group(1), "amount", pay.group(2)));  // an approval
        }
        if (containsAny(t, "repo", "github")) {
            return call(tools, "myRepositories", Map.of());
        }
        if (containsAny(t, "calendar", "event", "meeting", "agenda")) {
            return call(tools, has(tools, "events") ? "events" : "connect_calendar", Map.of());   // MCP over HTTP
        }
        if (containsAny(t, "file", "document")) {
            return call(tools, has(tools, "files") ? "files" : "connect_files", Map.of());        // MCP over stdio
        }
        return help(tools);
    }

    private static AiMessage call(List<ToolSpecification> tools, String name, Map<String, Object> arguments) {
        if (tools.stream().noneMatch(s -> s.name().equals(name))) {
            return help(tools);
        }
        try {
            return AiMessage.from(List.of(ToolExecutionRequest.builder().id("call_" + UUID.randomUUID())
                    .name(name).arguments(JSON.writeValueAsString(arguments)).build()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AiMessage help(List<ToolSpecification> tools) {
        return AiMessage.from("I am the " + LABEL + ". Try \"list my notes\", \"add a note: buy milk\" or"
                + " \"service status\", \"what's on my calendar\" or \"list my files\". Tools I can use: "
                + String.join(", ", tools.stream().map(ToolSpecification::name).toList()) + ".");
    }

    private static boolean has(List<ToolSpecification> tools, String name) {
        return tools.stream().anyMatch(s -> s.name().equals(name));
    }

    private static boolean containsAny(String text, String... words) {
        for (String w : words) {
            if (text.contains(w)) {
                return true;
            }
        }
        return false;
    }
}
