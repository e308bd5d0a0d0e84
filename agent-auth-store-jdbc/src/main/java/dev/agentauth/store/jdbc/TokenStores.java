package dev.agentauth.store.jdbc;

/**
 * The durable, encrypted token stores. Pass one to {@code TokenBroker.builder().tokenStore(...)}; the broker closes
 * it when it is closed.
 *
 * <ul>
 *   <li>{@link #embedded()}: one process, survives restarts, no setup: an H2 database file in {@code ~/.agent-auth}
 *       (or a directory you choose), directory 0700, files 0600, with a generated key file beside it unless you give a
 *       key.</li>
 *   <li>{@link #postgres()}: several replicas on one PostgreSQL database: one token request per grant refresh across
 *       all of them, and an OAuth callback can land on any replica.</li>
 * </ul>
 *
 * Both encrypt tokens, refresh tokens, API keys and PKCE verifiers with a Tink AEAD keyset ({@link TokenEncryption}),
 * and create or migrate their schema on {@code build()}.
 */
public final class TokenStores {

    private TokenStores() {
    }

    /** A builder for the embedded store (H2 file). */
    public static EmbeddedTokenStoreBuilder embedded() {
        return new EmbeddedTokenStoreBuilder();
    }

    /** A builder for the PostgreSQL store. Needs {@code org.postgresql:postgresql} and, with a JDBC URL, HikariCP. */
    public static PostgresTokenStoreBuilder postgres() {
        return new PostgresTokenStoreBuilder();
    }
}
