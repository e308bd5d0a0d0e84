package dev.agentauth.agent.testkit;

import dev.agentauth.agent.ToolCall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The model of every contract test, framework-neutral and deterministic: a harness wraps it in its framework's model
 * type (a LangChain4j {@code ChatModel} or {@code StreamingChatModel}, a Spring AI {@code ChatModel}) that translates
 * each request into a {@link ModelRequest}, asks {@link #answer} and returns the {@link ModelReply} in the
 * framework's form. It answers by the conversation's last message:
 *
 * <ul>
 *   <li>the user's: the tool calls scripted for that exact text, all in one answer, each with a new id
 *       ({@code call-1}, {@code call-2}, ... unique in the JVM); {@value #NO_SCRIPT} for a text without a script;</li>
 *   <li>tool results: a text quoting each of the trailing results in order,
 *       {@code Answer: listNotes -> notes of alice | archiveNotes -> ...} (see {@link #quote});</li>
 *   <li>anything else: {@value #NO_SCRIPT}.</li>
 * </ul>
 *
 * <p>A streaming model streams a text as {@link #chunks} cuts it, then completes with the whole reply; tool calls
 * come with the completion. Every request is recorded ({@link #requests()}), so the contract can read what the model
 * was sent.
 *
 * <p>Thread-safe: one script serves concurrent turns; requests are recorded in the order they arrive. Never blocks.
 *
 * @since 0.3.0
 */
public final class ModelScript {

    /** What the model says to a message it has no script for. */
    public static final String NO_SCRIPT = "I can't help with that.";

    private static final AtomicLong CALL_IDS = new AtomicLong();

    private final Map<String, List<Call>> calls;
    private final List<ModelRequest> requests = new CopyOnWriteArrayList<>();

    private ModelScript(Map<String, List<Call>> calls) {
        this.calls = calls;
    }

    /** A new script. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model's answer to {@code request}, which is recorded first. */
    public ModelReply answer(ModelRequest request) {
        Objects.requireNonNull(request, "request");
        requests.add(request);
        List<NeutralMessage> messages = request.messages();
        if (messages.isEmpty()) {
            return ModelReply.text(NO_SCRIPT);
        }
        NeutralMessage last = messages.get(messages.size() - 1);
        if (last instanceof NeutralMessage.User user) {
            List<Call> scripted = calls.get(user.text());
            if (scripted == null) {
                return ModelReply.text(NO_SCRIPT);
            }
            List<ToolCall> out = new ArrayList<>();
            for (Call c : scripted) {
                out.add(new ToolCall("call-" + CALL_IDS.incrementAndGet(), c.tool(), c.arguments()));
            }
            return ModelReply.toolCalls(out);
        }
        if (last instanceof NeutralMessage.ToolResult) {
            List<NeutralMessage.ToolResult> results = new ArrayList<>();
            for (int i = messages.size() - 1; i >= 0 && messages.get(i) instanceof NeutralMessage.ToolResult r; i--) {
                results.add(0, r);
            }
            return ModelReply.text(quote(results));
        }
        return ModelReply.text(NO_SCRIPT);
    }

    /** The text the script answers to these tool results: {@code Answer: tool -> result | tool -> result}. */
    public static String quote(List<NeutralMessage.ToolResult> results) {
        List<String> parts = new ArrayList<>();
        for (NeutralMessage.ToolResult r : results) {
            parts.add(r.toolName() + " -> " + r.text());
        }
        return "Answer: " + String.join(" | ", parts);
    }

    /**
     * How a streaming model streams {@code text}: word by word, each chunk with the space that follows it, so the
     * chunks joined are the text.
     */
    public static List<String> chunks(String text) {
        return List.of(text.split("(?<= )"));
    }

    /** Every request so far, in the order they arrived. */
    public List<ModelRequest> requests() {
        return List.copyOf(requests);
    }

    private record Call(String tool, String arguments) {
    }

    /** Builds a {@link ModelScript}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, List<Call>> calls = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * When the user says {@code userMessage}, call {@code tool} with {@code arguments}; several calls for one
         * message come in one answer, in the order given.
         *
         * @param arguments the call's arguments, a JSON object as text
         */
        public Builder call(String userMessage, String tool, String arguments) {
            calls.computeIfAbsent(Objects.requireNonNull(userMessage, "userMessage"), k -> new ArrayList<>())
                    .add(new Call(Objects.requireNonNull(tool, "tool"), Objects.requireNonNull(arguments,
                            "arguments")));
            return this;
        }

        public ModelScript build() {
            Map<String, List<Call>> copy = new LinkedHashMap<>();
            calls.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return new ModelScript(Map.copyOf(copy));
        }
    }
}
