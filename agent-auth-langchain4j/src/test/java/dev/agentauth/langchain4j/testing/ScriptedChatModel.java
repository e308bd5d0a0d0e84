package dev.agentauth.langchain4j.testing;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic model: when the last message is the user's, it calls the tools the script maps that message to
 * (all in one answer); when tool results come back, it answers with their texts. Records every request it receives.
 */
public final class ScriptedChatModel implements ChatModel {

    /** A tool call to emit: tool name and JSON arguments. */
    public record Call(String tool, String arguments) {
    }

    private final Map<String, List<Call>> script;
    private final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    public ScriptedChatModel(Map<String, List<Call>> script) {
        this.script = script;
    }

    public List<ChatRequest> requests() {
        return requests;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        requests.add(request);
        List<ChatMessage> messages = request.messages();
        ChatMessage last = messages.get(messages.size() - 1);
        if (last instanceof UserMessage user) {
            List<Call> calls = script.get(user.singleText());
            if (calls == null || calls.isEmpty()) {
                return ChatResponse.builder().aiMessage(AiMessage.from("I can't help with that.")).build();
            }
            List<ToolExecutionRequest> requested = new ArrayList<>();
            for (Call c : calls) {
                requested.add(ToolExecutionRequest.builder().id("call-" + ids.incrementAndGet()).name(c.tool())
                        .arguments(c.arguments()).build());
            }
            return ChatResponse.builder().aiMessage(AiMessage.from(requested)).build();
        }
        List<String> results = new ArrayList<>();
        for (int i = messages.size() - 1; i >= 0 && messages.get(i) instanceof ToolExecutionResultMessage r; i--) {
            results.add(0, r.toolName() + " -> " + r.text());
        }
        return ChatResponse.builder().aiMessage(AiMessage.from("Answer: " + String.join(" | ", results))).build();
    }
}
