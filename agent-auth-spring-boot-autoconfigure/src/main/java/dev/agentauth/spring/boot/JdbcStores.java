package dev.agentauth.spring.boot;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Secret;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.store.jdbc.EmbeddedTokenStoreBuilder;
import dev.agentauth.store.jdbc.PostgresTokenStoreBuilder;
import dev.agentauth.store.jdbc.TokenEncryption;
import dev.agentauth.store.jdbc.TokenStores;
import java.nio.file.Path;

/**
 * The durable stores from {@code agent-auth.store.*}. The only class of this module that names
 * {@code agent-auth-store-jdbc}'s types, loaded only when that module is on the class path.
 */
final class JdbcStores {

    static final String TOKEN_STORES = "dev.agentauth.store.jdbc.TokenStores";

    private JdbcStores() {
    }

    /** The embedded or PostgreSQL store {@code s} describes. Blocks while it opens and migrates its schema. */
    static TokenStore of(AgentAuthProperties.Store s) {
        return switch (s.getType()) {
            case MEMORY -> TokenStore.inMemory();
            case EMBEDDED -> {
                EmbeddedTokenStoreBuilder b = TokenStores.embedded();
                if (s.getDirectory() != null) {
                    b.directory(Path.of(s.getDirectory()));
                }
                if (s.getEncryptionKeyset() != null) {
                    b.encryption(TokenEncryption.fromJson(Secret.of(s.getEncryptionKeyset())));
                }
                yield b.build();
            }
            case POSTGRES -> {
                if (s.getJdbcUrl() == null || s.getEncryptionKeyset() == null) {
                    throw new ConfigurationException("agent-auth.store.type=postgres needs"
                            + " agent-auth.store.jdbc-url and agent-auth.store.encryption-keyset", null, null);
                }
                PostgresTokenStoreBuilder b = TokenStores.postgres().jdbcUrl(s.getJdbcUrl())
                        .encryption(TokenEncryption.fromJson(Secret.of(s.getEncryptionKeyset())))
                        .statementTimeout(s.getStatementTimeout());
                if (s.getUsername() != null) {
                    b.username(s.getUsername());
                }
                if (s.getPassword() != null) {
                    b.password(Secret.of(s.getPassword()));
                }
                yield b.build();
            }
        };
    }
}
