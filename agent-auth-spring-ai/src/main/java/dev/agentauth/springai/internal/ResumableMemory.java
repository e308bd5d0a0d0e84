package dev.agentauth.springai.internal;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.Message;

/**
 * The application's {@link ChatMemory} as the agent's memory advisor uses it. A resumed turn goes through Spring AI's
 * {@code MessageChatMemoryAdvisor} again, which adds the request's last user or tool message to memory: for a resumed
 * turn that is the tool response memory already ends with (the results were written there when the turn resumed). While
 * a conversation is {@linkplain #mark marked} for its resumed call, that one repeated message is dropped, once; every
 * other message goes to the application's memory unchanged. Thread-safe.
 */
final class ResumableMemory implements ChatMemory {

    /** One resumed call's mark. */
    static final class Mark {
        private volatile boolean used;
    }

    private final ChatMemory delegate;
    private final ConcurrentHashMap<String, Mark> marks = new ConcurrentHashMap<>();

    ResumableMemory(ChatMemory delegate) {
        this.delegate = delegate;
    }

    /** Marks {@code conversationId} for one resumed call; {@link #unmark} ends it. */
    Mark mark(String conversationId) {
        Mark m = new Mark();
        marks.put(conversationId, m);
        return m;
    }

    void unmark(String conversationId, Mark mark) {
        marks.remove(conversationId, mark);
    }

    @Override
    public void add(String conversationId, List<Message> messages) {
        Mark mark = marks.get(conversationId);
        if (mark != null && !mark.used && messages.size() == 1) {
            List<Message> held = delegate.get(conversationId);
            if (!held.isEmpty() && held.get(held.size() - 1).equals(messages.get(0))) {
                mark.used = true;
                return;
            }
        }
        delegate.add(conversationId, messages);
    }

    @Override
    public List<Message> get(String conversationId) {
        return delegate.get(conversationId);
    }

    @Override
    public void clear(String conversationId) {
        delegate.clear(conversationId);
    }
}
