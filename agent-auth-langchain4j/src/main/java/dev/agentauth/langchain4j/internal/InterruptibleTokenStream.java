package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.AgentAuthException;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.tool.BeforeToolExecution;
import dev.langchain4j.service.tool.ToolExecution;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TokenStream} of the agent's AI services: the service's own stream, except that a tool call needing consent
 * ends it with the settled {@link ConsentInterruptException} in {@code onError} (chat memory already repaired, the
 * interrupt stored for any replica) instead of a generic error, an operator's failure of a tool call ends it with
 * that failure (chat memory left valid), and that a resumed turn's stream keeps its conversation marked
 * ({@link ResumeMarkers}) until it ends. Like LangChain4j's, configure it on one thread and start it once.
 */
final class InterruptibleTokenStream implements TokenStream {

    private static final Logger log = LoggerFactory.getLogger(InterruptibleTokenStream.class);

    private final TokenStream delegate;
    private final Function<ConsentInterruptException, ConsentInterruptException> settle;
    private final Predicate<AgentAuthException> settleFailure;
    private Object resumedMemoryId;
    private ResumeMarkers.Mark mark;
    private ResumeMarkers markers;
    private Consumer<Throwable> errorHandler;
    private boolean ignoreErrors;

    InterruptibleTokenStream(TokenStream delegate,
                             Function<ConsentInterruptException, ConsentInterruptException> settle,
                             Predicate<AgentAuthException> settleFailure) {
        this.delegate = delegate;
        this.settle = settle;
        this.settleFailure = settleFailure;
    }

    @Override
    public TokenStream onPartialResponse(Consumer<String> handler) {
        delegate.onPartialResponse(handler);
        return this;
    }

    @Override
    public TokenStream onPartialResponseWithContext(BiConsumer<PartialResponse, PartialResponseContext> handler) {
        delegate.onPartialResponseWithContext(handler);
        return this;
    }

    @Override
    public TokenStream onPartialThinking(Consumer<PartialThinking> handler) {
        delegate.onPartialThinking(handler);
        return this;
    }

    @Override
    public TokenStream onPartialThinkingWithContext(BiConsumer<PartialThinking, PartialThinkingContext> handler) {
        delegate.onPartialThinkingWithContext(handler);
        return this;
    }

    @Override
    public TokenStream onPartialToolCall(Consumer<PartialToolCall> handler) {
        delegate.onPartialToolCall(handler);
        return this;
    }

    @Override
    public TokenStream onPartialToolCallWithContext(BiConsumer<PartialToolCall, PartialToolCallContext> handler) {
        delegate.onPartialToolCallWithContext(handler);
        return this;
    }

    @Override
    public TokenStream onRetrieved(Consumer<List<Content>> handler) {
        delegate.onRetrieved(handler);
        return this;
    }

    @Override
    public TokenStream onIntermediateResponse(Consumer<ChatResponse> handler) {
        delegate.onIntermediateResponse(handler);
        return this;
    }

    @Override
    public TokenStream beforeToolExecution(Consumer<BeforeToolExecution> handler) {
        delegate.beforeToolExecution(handler);
        return this;
    }

    @Override
    public TokenStream onUnmappedRawEvent(Consumer<Object> handler) {
        delegate.onUnmappedRawEvent(handler);
        return this;
    }

    @Override
    public TokenStream onToolExecuted(Consumer<ToolExecution> handler) {
        delegate.onToolExecuted(handler);
        return this;
    }

    @Override
    public TokenStream onCompleteResponse(Consumer<ChatResponse> handler) {
        delegate.onCompleteResponse(response -> {
            unmark();
            handler.accept(response);
        });
        return this;
    }

    @Override
    public TokenStream onError(Consumer<Throwable> handler) {
        this.errorHandler = handler;
        return this;
    }

    @Override
    public TokenStream ignoreErrors() {
        this.ignoreErrors = true;
        return this;
    }

    @Override
    public void start() {
        if (errorHandler == null && !ignoreErrors) {
            // LangChain4j's own rule: a stream must say what happens to its errors.
            delegate.start();
            return;
        }
        delegate.onError(this::error);
        delegate.start();
    }

    /** This stream continues a resumed turn: its conversation stays marked until the stream ends. */
    void resumeMark(Object memoryId, ResumeMarkers.Mark resumeMark, ResumeMarkers resumeMarkers) {
        this.resumedMemoryId = memoryId;
        this.mark = resumeMark;
        this.markers = resumeMarkers;
    }

    private void unmark() {
        if (mark != null) {
            markers.unmark(resumedMemoryId, mark);
        }
    }

    private void error(Throwable error) {
        unmark();
        Throwable delivered = error;
        ConsentInterruptException interrupt = find(error, ConsentInterruptException.class);
        if (interrupt != null) {
            delivered = settle.apply(interrupt);
        } else {
            AgentAuthException failure = find(error, AgentAuthException.class);
            if (failure != null && settleFailure.test(failure)) {
                delivered = failure; // an operator's failure from a tool call, as the blocking call throws it
            }
        }
        if (errorHandler != null) {
            errorHandler.accept(delivered);
        } else {
            log.warn("streamed turn ended with {} (the stream ignores errors)", delivered.getClass().getSimpleName());
        }
    }

    private static <E extends Throwable> E find(Throwable error, Class<E> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
