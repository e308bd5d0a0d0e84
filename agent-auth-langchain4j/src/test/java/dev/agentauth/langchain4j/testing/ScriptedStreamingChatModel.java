package dev.agentauth.langchain4j.testing;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@link ScriptedChatModel}'s answers, streamed as a real streaming model does: on a thread of its own, the text word
 * by word, then the complete response (with the tool calls, if any).
 */
public final class ScriptedStreamingChatModel implements StreamingChatModel {

    private final ScriptedChatModel answers;
    private final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

    public ScriptedStreamingChatModel(Map<String, List<ScriptedChatModel.Call>> script) {
        this.answers = new ScriptedChatModel(script);
    }

    public List<ChatRequest> requests() {
        return requests;
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        requests.add(request);
        Thread t = new Thread(() -> {
            try {
                ChatResponse response = answers.doChat(request);
                String text = response.aiMessage().text();
                if (text != null) {
                    for (String word : text.split("(?<= )")) {
                        handler.onPartialResponse(word);
                    }
                }
                handler.onCompleteResponse(response);
            } catch (RuntimeException e) {
                handler.onError(e);
            }
        }, "scripted-stream");
        t.setDaemon(true);
        t.start();
    }
}
