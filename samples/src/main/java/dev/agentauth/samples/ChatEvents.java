package dev.agentauth.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRejectedException;
import dev.langchain4j.service.TokenStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web chat's turns as server-sent events: {@code token} events while an answer streams, then the turn's end —
 * the answer, the consent card (the interrupt's JSON), a pending or refused resume, or an error. Stateless.
 */
final class ChatEvents {

    private static final Logger log = LoggerFactory.getLogger(ChatEvents.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatEvents() {
    }

    /** A chat turn's work: what the AI service (or a resume) returned. */
    interface Turn {
        Object run();
    }

    /**
     * One chat turn as server-sent events: {@code token} events while the answer streams, then one of {@code reply}
     * (the whole answer), {@code consent_interrupt} (the card's JSON), {@code pending} or {@code error}. A turn runs
     * through the streaming AI service; a resume continues it as the stream it was.
     */
    static void stream(HttpExchange ex, Object turnLock, String user, Turn turn) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            synchronized (turnLock) {
                ObjectNode end;
                try {
                    Object result = turn.run();
                    end = result instanceof TokenStream stream ? streamed(stream, out, user)
                            : JSON.createObjectNode().put("type", "reply").put("text", String.valueOf(result));
                } catch (RuntimeException e) {
                    end = ended(user, e);
                }
                event(out, end.path("type").asText(), end);
            }
        }
    }

    /** Streams {@code stream}'s tokens to {@code out}; its end as an event body. */
    private static ObjectNode streamed(TokenStream stream, OutputStream out, String user) {
        CompletableFuture<ObjectNode> end = new CompletableFuture<>();
        stream.onPartialResponse(token -> {
            try {
                event(out, "token", JSON.createObjectNode().put("text", token));
            } catch (IOException e) {
                end.complete(JSON.createObjectNode().put("type", "error").put("text", "the page went away"));
            }
        }).onCompleteResponse(r -> end.complete(JSON.createObjectNode().put("type", "reply")
                .put("text", r.aiMessage().text()))).onError(e -> end.complete(ended(user, e))).start();
        try {
            return end.get(10, TimeUnit.MINUTES);
        } catch (Exception e) {
            return JSON.createObjectNode().put("type", "error").put("text", "The answer did not come in time.");
        }
    }

    /** How a turn ended other than with an answer: the consent card, a refused resume, or an error. */
    private static ObjectNode ended(String user, Throwable e) {
        try {
            if (e instanceof ConsentInterruptException interrupt) {
                return (ObjectNode) JSON.readTree(interrupt.interrupt().toJson());
            }
        } catch (IOException io) {
            throw new IllegalStateException(io);
        }
        if (e instanceof ResumeRejectedException r) {
            return JSON.createObjectNode().put("type", r.reason() == ResumeRejectedException.Reason.CONSENT_PENDING
                    ? "pending" : "error").put("text", r.getMessage());
        }
        log.warn("chat turn of {} failed: {}", user, e.toString());
        return JSON.createObjectNode().put("type", "error").put("text", "Something went wrong: "
                + e.getClass().getSimpleName());
    }

    private static void event(OutputStream out, String name, JsonNode data) throws IOException {
        synchronized (out) {
            out.write(("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}
