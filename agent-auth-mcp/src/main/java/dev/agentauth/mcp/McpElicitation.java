package dev.agentauth.mcp;

import dev.agentauth.core.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How an MCP server's request for input from the user (form elicitation; on the 2026-07-28 wire an input request of a
 * multi-round-trip call) is answered, for the principal the call is made for. Without one, the client declares no
 * elicitation capability and servers must not ask. Implementations must be thread-safe; they run on the calling
 * thread while the tool call waits, and may block (e.g. until the user answered in the chat UI).
 *
 * <p>The answer goes to the MCP server only; nothing of it reaches the model unless the server returns it in its tool
 * result.
 *
 * @since 0.2.0
 */
@FunctionalInterface
public interface McpElicitation {

    /**
     * The answer to one request.
     *
     * @param message         what the server asks, to show the user
     * @param requestedSchema the JSON schema of the wanted answer (a flat object of primitive properties)
     */
    Answer elicit(Principal principal, String message, Map<String, Object> requestedSchema);

    /** What the user did: accepted with content, declined, or dismissed (cancel). */
    enum Action { ACCEPT, DECLINE, CANCEL }

    /** An answer; {@code content} only with {@link Action#ACCEPT}. */
    record Answer(Action action, Map<String, Object> content) {
        public Answer {
            Objects.requireNonNull(action, "action");
            content = action == Action.ACCEPT ? Map.copyOf(content == null ? Map.of() : content) : null;
        }

        public static Answer accept(Map<String, Object> content) {
            return new Answer(Action.ACCEPT, content);
        }

        public static Answer decline() {
            return new Answer(Action.DECLINE, null);
        }

        public static Answer cancel() {
            return new Answer(Action.CANCEL, null);
        }
    }

    /** Declines every request: the server is told the user will not answer, and the call goes on without. */
    static McpElicitation declineAll() {
        return (principal, message, schema) -> Answer.decline();
    }

    /**
     * Accepts every request with the {@code default} of each property of the requested schema (SEP-1034), for
     * unattended agents whose servers ask only for confirmations or settings that have defaults. Properties without
     * a default are left out.
     */
    static McpElicitation acceptDefaults() {
        return (principal, message, schema) -> {
            Map<String, Object> content = new LinkedHashMap<>();
            if (schema != null && schema.get("properties") instanceof Map<?, ?> props) {
                props.forEach((name, p) -> {
                    if (p instanceof Map<?, ?> property && property.get("default") != null) {
                        content.put(String.valueOf(name), property.get("default"));
                    }
                });
            }
            return Answer.accept(content);
        };
    }
}
