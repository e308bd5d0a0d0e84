package dev.agentauth.samples;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.time.Duration;
import java.util.Map;

/**
 * The model the demo talks to: an OpenAI-compatible endpoint when {@code OPENAI_API_KEY} or {@code OPENAI_BASE_URL}
 * is set (e.g. OpenAI, Azure OpenAI, a local Ollama or vLLM server), otherwise the built-in rule-based model.
 *
 * @param model the model
 * @param label what the UI shows, so nobody mistakes the rule-based model for a real one
 */
record DemoModel(ChatModel model, StreamingChatModel streaming, String label) {

    static DemoModel fromEnvironment(Map<String, String> env) {
        String key = env.get("OPENAI_API_KEY");
        String baseUrl = env.get("OPENAI_BASE_URL");
        if (isBlank(key) && isBlank(baseUrl)) {
            DemoChatModel demo = new DemoChatModel();
            return new DemoModel(demo, streamed(demo), DemoChatModel.LABEL);
        }
        String name = isBlank(env.get("OPENAI_MODEL")) ? "gpt-4o-mini" : env.get("OPENAI_MODEL");
        OpenAiChatModel.OpenAiChatModelBuilder builder = OpenAiChatModel.builder()
                .apiKey(isBlank(key) ? "none" : key)      // local servers often need none
                .modelName(name)
                .timeout(Duration.ofSeconds(120));
        OpenAiStreamingChatModel.OpenAiStreamingChatModelBuilder streaming = OpenAiStreamingChatModel.builder()
                .apiKey(isBlank(key) ? "none" : key).modelName(name).timeout(Duration.ofSeconds(120));
        if (!isBlank(baseUrl)) {
            builder.baseUrl(baseUrl);
            streaming.baseUrl(baseUrl);
        }
        return new DemoModel(builder.build(), streaming.build(),
                name + (isBlank(baseUrl) ? " (OpenAI)" : " at " + baseUrl));
    }

    /**
     * The built-in model as a streaming one: the same answers, delivered as a real streaming model does — on a
     * thread of its own, word by word, then the complete response (with its tool calls, if any).
     */
    static StreamingChatModel streamed(ChatModel model) {
        return new StreamingChatModel() {
            @Override
            public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
                Thread t = new Thread(() -> {
                    try {
                        ChatResponse response = model.chat(request);
                        String text = response.aiMessage().text();
                        if (text != null && !response.aiMessage().hasToolExecutionRequests()) {
                            for (String word : text.split("(?<= )")) {
                                handler.onPartialResponse(word);
                            }
                        }
                        handler.onCompleteResponse(response);
                    } catch (RuntimeException e) {
                        handler.onError(e);
                    }
                }, "demo-model-stream");
                t.setDaemon(true);
                t.start();
            }
        };
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
