package dev.agentauth.agent.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** Chat memory in a table of the replicas' PostgreSQL database, as replicas of a chat service keep it. */
final class PostgresConversations implements ConversationStore {

    private final DataSource db;

    PostgresConversations(DataSource db) {
        this.db = db;
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS agent_contract_conversations"
                    + " (conversation TEXT PRIMARY KEY, messages TEXT NOT NULL)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the conversations table", e);
        }
    }

    @Override
    public String read(String conversation) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT messages FROM agent_contract_conversations WHERE conversation = ?")) {
            ps.setString(1, conversation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read conversation " + conversation, e);
        }
    }

    @Override
    public void write(String conversation, String messages) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO agent_contract_conversations (conversation, messages) VALUES (?, ?)"
                        + " ON CONFLICT (conversation) DO UPDATE SET messages = EXCLUDED.messages")) {
            ps.setString(1, conversation);
            ps.setString(2, messages);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write conversation " + conversation, e);
        }
    }
}
