package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.AgentAuthException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatRequestOptions;
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
 * The application's streaming model as the agent's AI services use it: a streamed answer whose tool call raised a
 * consent interrupt (or an operator's failure) ends in {@code onError} with that exception itself, whatever the model
 * implementation does with an exception thrown from its handler — LangChain4j's models log and drop it, which would
 * leave the stream hanging. Everything else is the application's model, its listeners and request parameters
 * included. (The blocking path needs nothing of the kind: there, the exception leaves the AI service by itself.)
 * Thread-safe as the wrapped model is.
 */
final class StreamingInterrupts {

    private StreamingInterrupts() {
    }

    static StreamingChatModel streaming(StreamingChatModel model) {
        return model == null ? null : new StreamingChatModel() {
            @Override
            public void chat(ChatRequest request, StreamingChatResponseHandler handler) {
                model.chat(request, new Handler(handler));
            }

            @Override
            public void chat(ChatRequest request, ChatRequestOptions options, StreamingChatResponseHandler handler) {
                model.chat(request, options, new Handler(handler));
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
            if (!(e instanceof ConsentInterruptException) && dev.agentauth.agent.spi.AgentCore.operatorFailure(e) != e) {
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
