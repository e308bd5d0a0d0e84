package dev.agentauth.springai.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.agent.spi.Continuation;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.prompt.ChatOptions;

/**
 * A Spring AI turn's {@link Continuation}: what its {@code ChatClient} call began with — its messages (system, the
 * user's), the advisor parameters, tool context entries and portable chat options it was made with — and what its tool
 * loop had exchanged with the model up to the assistant message whose calls were interrupted. A resume makes the call
 * again from it, through the same {@code ChatClient}, on any replica. Values that are not plain JSON (a parameter
 * holding an object) are left out with a warning naming their key; a message with media leaves the turn without a
 * continuation, so a resume of it is refused rather than continued without it. Never holds a credential: tool calls
 * are kept as the model made them, and tool results are redacted before any reaches the model. Thread-safe.
 */
final class Continuations {

    static final String ADAPTER = "spring-ai";
    private static final Logger log = LoggerFactory.getLogger(Continuations.class);

    /** A continuation read back. */
    record Resumption(List<Message> prompt, List<Message> exchange, AssistantMessage assistant,
                      Map<String, Object> params, Map<String, Object> toolContext, Map<String, Object> options) {
    }

    private Continuations() {
    }

    /** The continuation of {@code turn} as it stands now, or {@code null} when it cannot be kept. */
    static Continuation of(TurnState turn) {
        List<Message> exchange = turn.exchange();
        AssistantMessage assistant = turn.assistant();
        if (!Messages.writable(turn.prompt) || !Messages.writable(exchange)
                || assistant != null && !Messages.writable(List.of(assistant))) {
            log.warn("turn {}: a message of it has media, which cannot be kept: a resume of it is refused", turn.id());
            return null;
        }
        ObjectNode root = Messages.JSON.createObjectNode();
        root.set("prompt", Messages.toJson(turn.prompt));
        root.set("exchange", Messages.toJson(exchange));
        if (assistant != null) {
            root.set("assistant", Messages.toJson(List.of(assistant)).get(0));
        }
        root.set("params", Messages.JSON.valueToTree(plain(turn.params(), "advisor parameter")));
        root.set("toolContext", Messages.JSON.valueToTree(plain(turn.toolContext(), "tool context entry")));
        root.set("options", Messages.JSON.valueToTree(turn.options()));
        return new Continuation(ADAPTER, root.toString());
    }

    /** {@code continuation} read back. */
    @SuppressWarnings("unchecked")
    static Resumption decode(Continuation continuation) {
        JsonNode root;
        try {
            root = Messages.JSON.readTree(continuation.state());
        } catch (Exception e) {
            throw new IllegalStateException("unreadable Spring AI continuation", e);
        }
        List<Message> assistant = root.has("assistant")
                ? Messages.fromJson(Messages.JSON.createArrayNode().add(root.get("assistant"))) : List.of();
        return new Resumption(Messages.fromJson(root.path("prompt")), Messages.fromJson(root.path("exchange")),
                assistant.isEmpty() ? null : (AssistantMessage) assistant.get(0),
                Messages.JSON.convertValue(root.path("params"), LinkedHashMap.class),
                Messages.JSON.convertValue(root.path("toolContext"), LinkedHashMap.class),
                Messages.JSON.convertValue(root.path("options"), LinkedHashMap.class));
    }

    /**
     * The entries of {@code values} a continuation can keep: plain JSON values (text, numbers, booleans, lists and maps
     * of them). What is left out is logged by key (never by value).
     */
    static Map<String, Object> plain(Map<String, ?> values, String what) {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (isPlain(v)) {
                out.put(k, v);
            } else {
                log.warn("{} '{}' holds a {}, which a resumed turn cannot be given again (only text, numbers,"
                        + " booleans and lists or maps of them are kept)", what, k,
                        v == null ? "null" : v.getClass().getName());
            }
        });
        return out;
    }

    /** The options every chat model shares, as a continuation keeps them (unset ones left out). */
    static Map<String, Object> options(ChatOptions options) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (options == null) {
            return out;
        }
        putIf(out, "model", options.getModel());
        putIf(out, "frequencyPenalty", options.getFrequencyPenalty());
        putIf(out, "maxTokens", options.getMaxTokens());
        putIf(out, "presencePenalty", options.getPresencePenalty());
        putIf(out, "temperature", options.getTemperature());
        putIf(out, "topK", options.getTopK());
        putIf(out, "topP", options.getTopP());
        return out;
    }

    /**
     * Portable options a continuation kept, as a builder for the resumed call. (Stop sequences are not kept: Spring AI
     * adds a call's to the model's own, so a resumed call would repeat the model's.)
     */
    static ChatOptions.Builder<?> options(Map<String, Object> kept) {
        ChatOptions.Builder<?> b = ChatOptions.builder();
        if (kept.get("model") instanceof String s) {
            b.model(s);
        }
        if (kept.get("frequencyPenalty") instanceof Number n) {
            b.frequencyPenalty(n.doubleValue());
        }
        if (kept.get("maxTokens") instanceof Number n) {
            b.maxTokens(n.intValue());
        }
        if (kept.get("presencePenalty") instanceof Number n) {
            b.presencePenalty(n.doubleValue());
        }
        if (kept.get("temperature") instanceof Number n) {
            b.temperature(n.doubleValue());
        }
        if (kept.get("topK") instanceof Number n) {
            b.topK(n.intValue());
        }
        if (kept.get("topP") instanceof Number n) {
            b.topP(n.doubleValue());
        }
        return b;
    }

    private static void putIf(Map<String, Object> out, String key, Object value) {
        if (value != null) {
            out.put(key, value);
        }
    }

    private static boolean isPlain(Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v != null;
        }
        if (v instanceof Collection<?> c) {
            return c.stream().allMatch(Continuations::isPlain);
        }
        if (v instanceof Map<?, ?> m) {
            return m.keySet().stream().allMatch(k -> k instanceof String) && m.values().stream()
                    .allMatch(Continuations::isPlain);
        }
        return false;
    }
}
