package dev.agentauth.samples;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;
import java.util.Map;

/**
 * The model the demo talks to: an OpenAI-compatible endpoint when {@code OPENAI_API_KEY} or {@code OPENAI_BASE_URL}
 * is set (e.g. OpenAI, Azure OpenAI, a local Ollama or vLLM server), otherwise the built-in rule-based model.
 *
 * @param model the model
 * @param label what the UI shows, so nobody mistakes the rule-based model for a real one
 */
record DemoModel(ChatModel model, String label) {

    static DemoModel fromEnvironment(Map<String, String> env) {
        String key = env.get("OPENAI_API_KEY");
        String baseUrl = env.get("OPENAI_BASE_URL");
        if (isBlank(key) && isBlank(baseUrl)) {
            return new DemoModel(new DemoChatModel(), DemoChatModel.LABEL);
        }
        String name = isBlank(env.get("OPENAI_MODEL")) ? "gpt-4o-mini" : env.get("OPENAI_MODEL");
        OpenAiChatModel.OpenAiChatModelBuilder builder = OpenAiChatModel.builder()
                .apiKey(isBlank(key) ? "none" : key)      // local servers often need none
                .modelName(name)
                .timeout(Duration.ofSeconds(120));
        if (!isBlank(baseUrl)) {
            builder.baseUrl(baseUrl);
        }
        return new DemoModel(builder.build(), name + (isBlank(baseUrl) ? " (OpenAI)" : " at " + baseUrl));
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
