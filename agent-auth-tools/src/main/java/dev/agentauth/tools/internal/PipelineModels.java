package dev.agentauth.tools.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.tools.ConsentInterruptException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.Set;

/**
 * The application's models as the agent's AI services see them: each request passes through {@link ResumeMarker}
 * (a resumed turn's first request drops the re-sent user message), and a streaming answer whose tool call raised a
 * consent interrupt ends in {@code onError} with the {@link ConsentInterruptException} itself, whatever the model
 * implementation does with an exception thrown from its handler. Everything else is the application's model, its
 * listeners included. Thread-safe as the wrapped models are.
 */
final class PipelineModels {

    private PipelineModels() {
    }

    static ChatModel chat(ChatModel model) {
        return model == null ? null : new ChatModel() {
            @Override
            public ChatResponse chat(ChatRequest request) {
                return model.chat(strip(request));
            }

            @Override
            public ChatResponse chat(ChatRequest request, ChatRequestOptions options) {
                return model.chat(strip(request), options);
            }

            @Override
            public ChatRequestParameters defaultRequestParameters() {
                return model.defaultRequestParameters();
            }

            @Override
            public ModelProvider provider() {
                return model.provider();
            }

            @Override
            public Set<Capability> supportedCapabilities() {
                return model.supportedCapabilities();
            }

            @Override
            public String toString() {
                return model.toString();
            }
        };
    }

    static StreamingChatModel streaming(StreamingChatModel model) {
        return model == null ? null : new StreamingChatModel() {
            @Override
            public void chat(ChatRequest request, StreamingChatResponseHandler handler) {
                model.chat(strip(request), new Handler(handler));
            }

            @Override
            public void chat(ChatRequest request, ChatRequestOptions options, StreamingChatResponseHandler handler) {
                model.chat(strip(request), options, new Handler(handler));
            }

            @Override
            public ChatRequestParameters defaultRequestParameters() {
                return model.defaultRequestParameters();
            }

            @Override
            public ModelProvider provider() {
                return model.provider();
            }

            @Override
            public Set<Capability> supportedCapabilities() {
                return model.supportedCapabilities();
            }

            @Override
            public String toString() {
                return model.toString();
            }
        };
    }

    private static ChatRequest strip(ChatRequest request) {
        ResumeMarker marker = ResumeMarker.current();
        return marker == null ? request : marker.strip(request);
    }

    /** Forwards everything; a consent interrupt or an operator's failure thrown by the tools becomes {@code onError}. */
    private static final class Handler implements StreamingChatResponseHandler {
        private final StreamingChatResponseHandler delegate;

        Handler(StreamingChatResponseHandler delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            try {
                delegate.onCompleteResponse(response);
            } catch (AgentAuthException e) {
                deliver(e);
            }
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall toolCall) {
            try {
                delegate.onCompleteToolCall(toolCall);
            } catch (AgentAuthException e) {
                deliver(e);
            }
        }

        @Override
        public void onError(Throwable error) {
            delegate.onError(error);
        }

        // An interrupt or an operator's failure ends the stream on onError; any other failure goes on as it was.
        private void deliver(AgentAuthException e) {
            if (!(e instanceof ConsentInterruptException) && ToolFailures.operators(e) != e) {
                throw e;
            }
            delegate.onError(e);
        }

        @Override
        public void onPartialResponse(String partial) {
            delegate.onPartialResponse(partial);
        }

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            delegate.onPartialResponse(partial, context);
        }

        @Override
        public void onPartialThinking(PartialThinking thinking) {
            delegate.onPartialThinking(thinking);
        }

        @Override
        public void onPartialThinking(PartialThinking thinking, PartialThinkingContext context) {
            delegate.onPartialThinking(thinking, context);
        }

        @Override
        public void onPartialToolCall(PartialToolCall toolCall) {
            delegate.onPartialToolCall(toolCall);
        }

        @Override
        public void onPartialToolCall(PartialToolCall toolCall, PartialToolCallContext context) {
            delegate.onPartialToolCall(toolCall, context);
        }

        @Override
        public void onUnmappedRawEvent(Object event) {
            delegate.onUnmappedRawEvent(event);
        }
    }
}
