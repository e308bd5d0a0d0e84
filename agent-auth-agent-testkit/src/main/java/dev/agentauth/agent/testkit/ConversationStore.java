package dev.agentauth.agent.testkit;

/**
 * Chat memory that several agents share, as replicas of one chat service share it through a database: the replicas
 * contract hands one to every agent it builds ({@link AgentSetup#conversations()}), backed by the same PostgreSQL
 * as their token and interrupt stores. A harness backs its framework's chat memory with it — a LangChain4j
 * {@code ChatMemoryStore}, a Spring AI {@code ChatMemoryRepository} — writing a conversation's messages in its
 * framework's own serialized form, as one text.
 *
 * <p>Thread-safe; every method blocks on the database.
 *
 * @since 0.3.0
 */
public interface ConversationStore {

    /** The conversation's messages as {@link #write} last stored them, or {@code null} when there are none. */
    String read(String conversation);

    /** Replaces the conversation's messages. */
    void write(String conversation, String messages);
}
