package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Secret;
import dev.agentauth.core.StoreUnavailableException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PostgresTokenStoreBuilderTest {

    @Test
    void buildWhenEncryptionOrDatabaseMissingThenConfigurationError() {
        assertThatThrownBy(() -> TokenStores.postgres().jdbcUrl("jdbc:postgresql://127.0.0.1:1/x").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining(".encryption(");
        assertThatThrownBy(() -> TokenStores.postgres().encryption(TokenEncryption.of(TestKeysets.keyset())).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("jdbcUrl");
        assertThatThrownBy(() -> TokenStores.postgres().jdbcUrl("jdbc:mysql://db/x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenStores.postgres().lockTimeout(Duration.ofSeconds(1))
                .lockTimeout(Duration.ofSeconds(2))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void buildWhenDatabaseUnreachableThenRetryableErrorNamingTheStoreWithoutUrlParameters() {
        // Nothing listens on port 1 of the loopback interface: the connection is refused at once.
        assertThatThrownBy(() -> TokenStores.postgres()
                .jdbcUrl("jdbc:postgresql://127.0.0.1:1/agents?password=url-password-value")
                .password(Secret.of("builder-password-value"))
                .connectionTimeout(Duration.ofSeconds(2))
                .encryption(TokenEncryption.of(TestKeysets.keyset())).build())
                .isInstanceOfSatisfying(StoreUnavailableException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains("PostgreSQL token store at 127.0.0.1:1/agents")
                            .contains("check that the database is up");
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        assertThat(String.valueOf(t.getMessage())).doesNotContain("url-password-value")
                                .doesNotContain("builder-password-value");
                    }
                });
    }
}
