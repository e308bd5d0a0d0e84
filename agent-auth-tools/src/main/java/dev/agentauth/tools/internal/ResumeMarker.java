package dev.agentauth.tools.internal;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.util.List;
import java.util.Objects;

/**
 * How a resumed turn goes through the AI service again without the user saying anything new. The resume calls the
 * interrupted AI-service method once more with its original arguments, on a thread that carries this marker. The AI
 * service then rebuilds the user message (input guardrails and retrieval run on it as they did) and adds it to chat
 * memory: the marker's {@linkplain #memories memory wrapper} drops that one copy, since memory already holds it before
 * the tool results. The service's first model request is chat memory plus that user message: the
 * {@link PipelineModels} wrappers drop the trailing copy there too, so the model sees exactly the uninterrupted
 * turn's request — the conversation with the tool results — and the pipeline goes on as usual: further tool calls,
 * output guardrails, output parsing into the method's return type.
 *
 * <p>A marker is used once: one message dropped from memory, one from a request. Thread confinement: set on the
 * resuming thread, and on the thread that starts a resumed {@code TokenStream}.
 */
final class ResumeMarker {

    private static final ThreadLocal<ResumeMarker> CURRENT = new ThreadLocal<>();

    private final Object memoryId;
    private volatile boolean swallowed;
    private volatile boolean stripped;

    ResumeMarker(Object memoryId) {
        this.memoryId = memoryId;
    }

    /** The marker of the resume running on this thread, or {@code null}. */
    static ResumeMarker current() {
        return CURRENT.get();
    }

    /** Runs {@code work} with this marker on the current thread. */
    <T> T around(java.util.concurrent.Callable<T> work) throws Exception {
        ResumeMarker previous = CURRENT.get();
        CURRENT.set(this);
        try {
            return work.call();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** Whether {@code message}, added to memory {@code id}, is the re-sent user message (then it is dropped). */
    private boolean swallow(Object id, ChatMessage message) {
        if (!swallowed && message instanceof UserMessage && Objects.equals(id, memoryId)) {
            swallowed = true;
            return true;
        }
        return false;
    }

    /** The request without its trailing re-sent user message, the first time one comes. */
    ChatRequest strip(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        if (swallowed && !stripped && !messages.isEmpty() && messages.get(messages.size() - 1) instanceof UserMessage) {
            stripped = true;
            return request.toBuilder().messages(List.copyOf(messages.subList(0, messages.size() - 1))).build();
        }
        return request;
    }

    /** {@code provider}'s memories, each dropping the re-sent user message of a resume on the adding thread. */
    static ChatMemoryProvider memories(ChatMemoryProvider provider) {
        return id -> new Resumable(id, provider.get(id));
    }

    private static final class Resumable implements ChatMemory {
        private final Object id;
        private final ChatMemory delegate;

        Resumable(Object id, ChatMemory delegate) {
            this.id = id;
            this.delegate = delegate;
        }

        @Override
        public Object id() {
            return delegate.id();
        }

        @Override
        public void add(ChatMessage message) {
            ResumeMarker marker = CURRENT.get();
            if (marker == null || !marker.swallow(id, message)) {
                delegate.add(message);
            }
        }

        @Override
        public void set(Iterable<ChatMessage> messages) {
            delegate.set(messages);
        }

        @Override
        public List<ChatMessage> messages() {
            return delegate.messages();
        }

        @Override
        public void clear() {
            delegate.clear();
        }
    }
}
