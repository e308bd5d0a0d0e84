package dev.agentauth.faults.harness;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageDeserializer;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Chat memory that replicas share, as LangChain4j {@link ChatMemoryStore}s: on PostgreSQL, or in a directory. */
final class SharedChatMemory {

    private SharedChatMemory() {
    }

    /** The table {@link #jdbc} uses; the test creates it before replicas start. */
    static final String TABLE_DDL =
            "CREATE TABLE IF NOT EXISTS chat_memory (memory_id TEXT PRIMARY KEY, messages TEXT NOT NULL)";

    /** Chat memory in table {@code chat_memory} of the replicas' database (one connection per call). */
    static ChatMemoryStore jdbc(String jdbcUrl) {
        return new ChatMemoryStore() {
            @Override
            public List<ChatMessage> getMessages(Object memoryId) {
                try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement ps = c.prepareStatement(
                        "SELECT messages FROM chat_memory WHERE memory_id = ?")) {
                    ps.setString(1, memoryId.toString());
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? ChatMessageDeserializer.messagesFromJson(rs.getString(1)) : List.of();
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException("chat memory unavailable (SQLState " + e.getSQLState() + ")", e);
                }
            }

            @Override
            public void updateMessages(Object memoryId, List<ChatMessage> messages) {
                try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO chat_memory (memory_id, messages) VALUES (?, ?) ON CONFLICT (memory_id)"
                                + " DO UPDATE SET messages = EXCLUDED.messages")) {
                    ps.setString(1, memoryId.toString());
                    ps.setString(2, ChatMessageSerializer.messagesToJson(messages));
                    ps.executeUpdate();
                } catch (SQLException e) {
                    throw new IllegalStateException("chat memory unavailable (SQLState " + e.getSQLState() + ")", e);
                }
            }

            @Override
            public void deleteMessages(Object memoryId) {
                updateMessages(memoryId, List.of());
            }
        };
    }

    /**
     * Chat memory as one JSON file per conversation in {@code dir}, replaced atomically: for tests where PostgreSQL
     * goes away, so that the conversation itself is not what the outage breaks.
     */
    static ChatMemoryStore files(Path dir) {
        return new ChatMemoryStore() {
            private Path file(Object memoryId) {
                return dir.resolve(memoryId.toString().replaceAll("[^A-Za-z0-9_.-]", "_") + ".json");
            }

            @Override
            public List<ChatMessage> getMessages(Object memoryId) {
                try {
                    Path f = file(memoryId);
                    return Files.exists(f) ? ChatMessageDeserializer.messagesFromJson(Files.readString(f)) : List.of();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public synchronized void updateMessages(Object memoryId, List<ChatMessage> messages) {
                try {
                    Files.createDirectories(dir);
                    Path tmp = Files.createTempFile(dir, "memory", ".tmp");
                    Files.writeString(tmp, ChatMessageSerializer.messagesToJson(messages), StandardCharsets.UTF_8);
                    Files.move(tmp, file(memoryId), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void deleteMessages(Object memoryId) {
                updateMessages(memoryId, List.of());
            }
        };
    }
}
