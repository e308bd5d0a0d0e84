package dev.agentauth.store.jdbc;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.TokenStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.h2.jdbcx.JdbcConnectionPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the embedded token store: an H2 database file {@code tokens.mv.db} in a directory only the agent's user can
 * open (created 0700; the files 0600). One process at a time may open it; several brokers in that process may share
 * the store instance. Each option may be set once.
 *
 * <pre>{@code
 * TokenStore store = TokenStores.embedded().build();                       // ~/.agent-auth, generated key file
 * TokenStore store = TokenStores.embedded().directory(Path.of("/var/lib/agent/tokens"))
 *         .encryption(TokenEncryption.fromEnvironment("AGENT_AUTH_KEYSET")).build();
 * }</pre>
 */
public final class EmbeddedTokenStoreBuilder {

    /** The database file's name without H2's {@code .mv.db} suffix. */
    static final String DATABASE_NAME = "tokens";
    /** The generated keyset's file name, when no encryption is given. */
    public static final String KEYSET_FILE = "keyset.json";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedTokenStoreBuilder.class);
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    private Path directory;
    private TokenEncryption encryption;
    private Duration lockTimeout;

    EmbeddedTokenStoreBuilder() {
    }

    /** Where the database lives. Default: {@code .agent-auth} in the user's home directory. */
    public EmbeddedTokenStoreBuilder directory(Path directory) {
        Objects.requireNonNull(directory, "directory");
        if (this.directory != null) {
            throw new IllegalStateException("directory is already set");
        }
        this.directory = directory;
        return this;
    }

    /**
     * The keyset secrets are encrypted with. Default: {@value #KEYSET_FILE} in the store's directory, generated on
     * first use (0600). That protects a copied or backed-up database file only if the key file is not copied with it:
     * give a key from elsewhere (an environment variable, a secrets mount) when that matters.
     */
    public EmbeddedTokenStoreBuilder encryption(TokenEncryption encryption) {
        Objects.requireNonNull(encryption, "encryption");
        if (this.encryption != null) {
            throw new IllegalStateException("encryption is already set");
        }
        this.encryption = encryption;
        return this;
    }

    /** How long a refresh waits for another refresh of the same grant in this process. Default 30 s. */
    public EmbeddedTokenStoreBuilder lockTimeout(Duration lockTimeout) {
        Objects.requireNonNull(lockTimeout, "lockTimeout");
        if (lockTimeout.isNegative() || lockTimeout.isZero()) {
            throw new IllegalArgumentException("lockTimeout must be positive");
        }
        if (this.lockTimeout != null) {
            throw new IllegalStateException("lockTimeout is already set");
        }
        this.lockTimeout = lockTimeout;
        return this;
    }

    /**
     * Opens (creating if needed) the store and migrates its schema.
     *
     * @throws StoreUnavailableException another process has the database open
     * @throws ConfigurationException    the directory cannot be created, or the keyset is invalid
     */
    public TokenStore build() {
        Path dir = (directory != null ? directory : Path.of(System.getProperty("user.home"), ".agent-auth"))
                .toAbsolutePath().normalize();
        Duration timeout = lockTimeout != null ? lockTimeout : Duration.ofSeconds(30);
        String description = "embedded token store at " + dir;
        createPrivateDirectory(dir);
        TokenEncryption enc = encryption != null ? encryption : generatedKeyset(dir.resolve(KEYSET_FILE));
        Path file = dir.resolve(DATABASE_NAME + ".mv.db");
        createPrivateFile(file);
        String url = "jdbc:h2:file:" + dir.resolve(DATABASE_NAME) + ";TRACE_LEVEL_FILE=0;LOCK_TIMEOUT="
                + timeout.toMillis();
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "agentauth", "");
        pool.setMaxConnections(16);
        JdbcTokenStore store = new JdbcTokenStore(pool, Dialect.H2, enc, description,
                "if another process has it open, stop that process, or use TokenStores.postgres() to share tokens"
                        + " between processes", timeout, timeout, pool::dispose);
        try {
            store.migrate(Clock.systemUTC());
        } catch (RuntimeException e) {
            pool.dispose();
            throw e;
        }
        restrict(file, OWNER_FILE);
        log.info("{} opened ({})", description, enc);
        return store;
    }

    private static void createPrivateDirectory(Path dir) {
        try {
            if (Files.isDirectory(dir)) {
                if (isPosix(dir) && !OWNER_DIR.containsAll(Files.getPosixFilePermissions(dir))) {
                    log.warn("token store directory {} is accessible to other users; chmod 700 it", dir);
                }
                return;
            }
            if (dir.getParent() != null) {
                Files.createDirectories(dir.getParent());
            }
            if (isPosix(dir.getParent() != null ? dir.getParent() : dir)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
                Files.setPosixFilePermissions(dir, OWNER_DIR); // the umask may have narrowed the attribute
            } else {
                Files.createDirectory(dir);
            }
        } catch (IOException e) {
            throw new ConfigurationException("cannot create the token store directory " + dir + " ("
                    + e.getClass().getSimpleName() + "); choose a writable directory with .directory(...)", null,
                    null);
        }
    }

    /** Creates {@code file} empty with owner-only permissions, before H2 or the keyset writer fills it. */
    private static void createPrivateFile(Path file) {
        try {
            FileAttribute<?>[] attrs = isPosix(file.getParent())
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_FILE)}
                    : new FileAttribute<?>[0];
            Files.createFile(file, attrs);
        } catch (FileAlreadyExistsException e) {
            // opened before
        } catch (IOException e) {
            throw new ConfigurationException("cannot create " + file + " (" + e.getClass().getSimpleName() + ")",
                    null, null);
        }
    }

    private static TokenEncryption generatedKeyset(Path keyFile) {
        if (!Files.exists(keyFile)) {
            createPrivateFile(keyFile);
            try {
                if (Files.size(keyFile) == 0) {
                    Files.writeString(keyFile, TokenEncryption.generateKeyset(), StandardCharsets.UTF_8,
                            StandardOpenOption.TRUNCATE_EXISTING);
                    log.info("generated a token store keyset in {}", keyFile);
                }
            } catch (IOException e) {
                throw new ConfigurationException("cannot write the token store keyset " + keyFile + " ("
                        + e.getClass().getSimpleName() + ")", null, null);
            }
        }
        restrict(keyFile, OWNER_FILE);
        return TokenEncryption.fromKeysetFile(keyFile);
    }

    private static void restrict(Path file, Set<PosixFilePermission> permissions) {
        try {
            if (isPosix(file)) {
                Files.setPosixFilePermissions(file, permissions);
            }
        } catch (IOException e) {
            log.warn("cannot restrict the permissions of {}: {}", file, e.getClass().getSimpleName());
        }
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
