package dev.agentauth.springai.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import reactor.core.publisher.Flux;

/**
 * A deterministic Spring AI model: when the last message is the user's, it calls the tools the script maps that
 * message to (all in one answer); when tool responses come back, it answers with their texts. Streams its answers in
 * two chunks. Records every request it receives, as the provider would receive it (messages and tool definitions).
 */
public final class ScriptedChatModel implements ChatModel {

    /** A tool call to emit: tool name and JSON arguments. */
    public record Call(String tool, String arguments) {
    }

    private final Map<String, List<Call>> script;
    private final List<Prompt> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    public ScriptedChatModel(Map<String, List<Call>> script) {
        this.script = script;
    }

    /** Every request so far. */
    public List<Prompt> requests() {
        return requests;
    }

    /** What a provider receives for {@code request}: every message and every tool definition (name, schema). */
    public static String sent(Prompt request) {
        StringBuilder out = new StringBuilder();
        for (Message m : request.getInstructions()) {
            out.append(m).append('\n');
        }
        if (request.getOptions() instanceof ToolCallingChatOptions options && options.getToolCallbacks() != null) {
            for (ToolCallback c : options.getToolCallbacks()) {
                out.append(c.getToolDefinition().name()).append(' ').append(c.getToolDefinition().description())
                        .append(' ').append(c.getToolDefinition().inputSchema()).append('\n');
            }
        }
        return out.toString();
    }

    /** The names of the tools {@code request} offered the model. */
    public static List<String> toolNames(Prompt request) {
        if (request.getOptions() instanceof ToolCallingChatOptions options && options.getToolCallbacks() != null) {
            return options.getToolCallbacks().stream().map(c -> c.getToolDefinition().name()).toList();
        }
        return List.of();
    }

    @Override
    public ChatOptions getOptions() {
        return ToolCallingChatOptions.builder().build();
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        requests.add(prompt);
        return new ChatResponse(List.of(new Generation(answer(prompt.getInstructions()))));
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        requests.add(prompt);
        AssistantMessage answer = answer(prompt.getInstructions());
        if (!answer.getToolCalls().isEmpty()) {
            return Flux.just(new ChatResponse(List.of(new Generation(answer))));
        }
        String text = answer.getText();
        int half = text.length() / 2;
        return Flux.just(text.substring(0, half), text.substring(half))
                .map(part -> new ChatResponse(List.of(new Generation(new AssistantMessage(part)))));
    }

    private AssistantMessage answer(List<Message> messages) {
        Message last = messages.get(messages.size() - 1);
        if (last instanceof UserMessage user) {
            List<Call> calls = script.get(user.getText());
            if (calls == null || calls.isEmpty()) {
                return new AssistantMessage("I can't help with that.");
            }
            List<AssistantMessage.ToolCall> requested = new ArrayList<>();
            for (Call c : calls) {
                requested.add(new AssistantMessage.ToolCall("call-" + ids.incrementAndGet(), "function", c.tool(),
                        c.arguments()));
            }
            return AssistantMessage.builder().content("").toolCalls(requested).build();
        }
        List<String> results = new ArrayList<>();
        if (last instanceof ToolResponseMessage responses) {
            for (ToolResponseMessage.ToolResponse r : responses.getResponses()) {
                results.add(r.name() + " -> " + r.responseData());
            }
        }
        return new AssistantMessage("Answer: " + String.join(" | ", results));
    }
}
