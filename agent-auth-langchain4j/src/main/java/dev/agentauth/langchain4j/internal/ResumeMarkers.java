package dev.agentauth.langchain4j.internal;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * How a resumed turn goes through the AI service again without the user saying anything new, with LangChain4j's own
 * extension points only. The resume calls the interrupted AI-service method once more with its original arguments
 * while the conversation's memory id is marked here. The AI service then rebuilds the user message (input guardrails
 * and retrieval run on it as they did) and adds it to chat memory: the agent's {@linkplain #memories memory provider}
 * drops that one copy, since memory already holds it before the tool results. Its first model request is chat memory
 * plus that user message: the agent's {@linkplain #transformer chat request transformer} drops the trailing copy there
 * too, so the model sees exactly the uninterrupted turn's request — the conversation with the tool results — and the
 * pipeline goes on as usual: further tool calls, output guardrails, output parsing into the method's return type.
 *
 * <p>A mark is used once (one message dropped from memory, one from a request) and removed when its call ends. Marks
 * are per memory id, not per thread, so a streamed continuation that starts on another thread is marked too; a
 * conversation is not meant to take another message while it is being resumed. Thread-safe.
 */
final class ResumeMarkers {

    /** One resume's mark. */
    static final class Mark {
        private volatile boolean swallowed;
        private volatile boolean stripped;
    }

    private final ConcurrentHashMap<Object, Mark> marks = new ConcurrentHashMap<>();

    /** Marks {@code memoryId} for one resumed call; {@link #unmark} ends it. */
    Mark mark(Object memoryId) {
        Mark m = new Mark();
        marks.put(memoryId, m);
        return m;
    }

    void unmark(Object memoryId, Mark mark) {
        marks.remove(memoryId, mark);
    }

    /** {@code provider}'s memories, each dropping the re-sent user message of a resume of its conversation. */
    ChatMemoryProvider memories(ChatMemoryProvider provider) {
        return id -> new Resumable(id, provider.get(id));
    }

    /** The AI service's chat request transformer: drops a resumed turn's trailing re-sent user message, once. */
    BiFunction<ChatRequest, Object, ChatRequest> transformer() {
        return (request, memoryId) -> {
            Mark mark = memoryId == null || marks.isEmpty() ? null : marks.get(memoryId);
            List<ChatMessage> messages = request.messages();
            if (mark != null && mark.swallowed && !mark.stripped && !messages.isEmpty()
                    && messages.get(messages.size() - 1) instanceof UserMessage) {
                mark.stripped = true;
                return request.toBuilder().messages(List.copyOf(messages.subList(0, messages.size() - 1))).build();
            }
            return request;
        };
    }

    private final class Resumable implements ChatMemory {
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
            Mark mark = marks.isEmpty() ? null : marks.get(id);
            if (mark != null && !mark.swallowed && message instanceof UserMessage) {
                mark.swallowed = true;
                return;
            }
            delegate.add(message);
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
