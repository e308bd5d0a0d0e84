package dev.agentauth.faults.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A replica of the agent application as a child JVM ({@link ReplicaMain}, started with {@code java -cp} on this test
 * JVM's class path), talked to over its stdin and stdout, one JSON line per command and per answer. Commands run
 * concurrently in the child; {@link #send} returns the answer's future, {@link #call} waits for it. The child's stderr
 * (its logs) goes to a file, shown when a call fails or times out.
 *
 * <p>Signals: {@link #kill()} is SIGKILL (no shutdown hook, no finally block, no flushed buffer: a crash),
 * {@link #stop()} SIGTERM. Thread-safe.
 */
public final class Replica implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Flags that start a short-lived test JVM quickly: no C2, small heap, serial GC. */
    private static final List<String> JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xms64m", "-Xmx384m", "-Xss512k", "-XX:-UsePerfData", "-Xshare:auto",
            "-Dlogback.configurationFile=logback-replica.xml");

    private final String name;
    private final Process process;
    private final Path stderr;
    private final Writer stdin;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> ready = new CompletableFuture<>();
    private final List<String> strayLines = new ArrayList<>();

    private Replica(String name, Process process, Path stderr) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::read, "replica-" + name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts replica {@code name} with {@code config} (see {@link ReplicaMain}) and the store's keyset in the
     * environment, and waits until it is ready.
     */
    public static Replica start(String name, ObjectNode config, String keyset, Path workDir) {
        config.put("name", name);
        try {
            Files.createDirectories(workDir);
            Path err = workDir.resolve("replica-" + name + "-" + System.nanoTime() + ".stderr.log");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_FLAGS);
            command.addAll(classDataSharing(config, keyset, workDir));
            command.add("-cp");
            command.add(testClassPath());
            command.add(ReplicaMain.class.getName());
            // For a failure's diagnosis: how to run this replica by hand (the keyset is not written anywhere).
            Files.writeString(workDir.resolve("replica-" + name + ".command"), String.join(" ", command)
                    + "\nFAULT_REPLICA_CONFIG=" + config + "\n");
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.PIPE).redirectInput(ProcessBuilder.Redirect.PIPE);
            pb.environment().put("FAULT_REPLICA_CONFIG", config.toString());
            pb.environment().put("AGENT_AUTH_KEYSET", keyset);
            Replica r = new Replica(name, pb.start(), err);
            r.awaitReady(Duration.ofSeconds(90));
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Path CDS_DIR = Path.of("target", "replica-cds").toAbsolutePath();
    private static boolean trained;
    private static String childClassPath;

    /**
     * The test class path with its directories of classes packed into jars (in {@code target/replica-cds}), since
     * class-data sharing archives classes from jars only. Built once per test JVM.
     */
    static synchronized String childClassPath() throws IOException {
        if (childClassPath != null) {
            return childClassPath;
        }
        Files.createDirectories(CDS_DIR);
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : testClassPath().split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!Files.isDirectory(p)) {
                entries.add(entry);
                continue;
            }
            try (var files = Files.walk(p)) {
                List<Path> content = files.filter(Files::isRegularFile).toList();
                if (content.isEmpty()) {
                    continue;
                }
                Path jar = CDS_DIR.resolve("classes-" + (n++) + ".jar");
                try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(
                        Files.newOutputStream(jar))) {
                    for (Path f : content) {
                        out.putNextEntry(new java.util.jar.JarEntry(p.relativize(f).toString().replace(File.separatorChar,
                                '/')));
                        Files.copy(f, out);
                        out.closeEntry();
                    }
                }
                entries.add(jar.toString());
            }
        }
        childClassPath = String.join(File.pathSeparator, entries);
        return childClassPath;
    }

    /**
     * Application class-data sharing, so that a replica starts in well under three seconds on a busy machine: the
     * first replica of this test JVM is preceded by a training run that records the classes a replica loads
     * ({@code -XX:ArchiveClassesAtExit}); later ones map that archive. A stale or unusable archive is ignored by the
     * JVM ({@code -Xshare:auto}). Off with {@code -Dfaults.replicaCds=false}.
     */
    private static synchronized List<String> classDataSharing(ObjectNode config, String keyset, Path workDir)
            throws IOException {
        if (!Boolean.parseBoolean(System.getProperty("faults.replicaCds", "true"))) {
            return List.of();
        }
        Path archive = CDS_DIR.resolve("replica.jsa");
        if (!trained) {
            trained = true;
            Files.deleteIfExists(archive); // recorded against this run's jars only
            Files.createDirectories(archive.getParent());
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_FLAGS);
            command.add("-XX:ArchiveClassesAtExit=" + archive);
            command.add("-cp");
            command.add(childClassPath());
            command.add(ReplicaMain.class.getName());
            ObjectNode training = config.deepCopy().put("name", "cds-training");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectError(workDir.resolve("replica-cds-training.stderr.log").toFile())
                    .redirectOutput(ProcessBuilder.Redirect.PIPE).redirectInput(ProcessBuilder.Redirect.PIPE);
            pb.environment().put("FAULT_REPLICA_CONFIG", training.toString());
            pb.environment().put("AGENT_AUTH_KEYSET", keyset);
            Replica r = new Replica("cds-training", pb.start(), workDir.resolve("replica-cds-training.stderr.log"));
            try {
                r.awaitReady(Duration.ofSeconds(90));
                r.send("exit");
                if (!r.awaitExit(Duration.ofSeconds(60))) {
                    r.kill();
                }
            } catch (AssertionError e) {
                r.kill();
            }
        }
        return Files.exists(archive) ? List.of("-XX:SharedArchiveFile=" + archive) : List.of();
    }

    /**
     * The class path of the tests. Surefire runs them from a manifest-only jar by default, so {@code java.class.path}
     * names that jar; the real path is in {@code surefire.test.class.path}.
     */
    static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        if (cp.endsWith(".jar") && !cp.contains(File.pathSeparator) && cp.contains("surefire")) {
            throw new IllegalStateException("only surefire's manifest-only jar on the class path: " + cp);
        }
        return cp;
    }

    private void awaitReady(Duration max) {
        try {
            JsonNode hello = ready.get(max.toMillis(), TimeUnit.MILLISECONDS);
            if (hello == null) {
                throw new AssertionError("replica " + name + " exited before it was ready" + diagnostics());
            }
        } catch (TimeoutException e) {
            kill();
            throw new AssertionError("replica " + name + " not ready within " + max + diagnostics());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new AssertionError("replica " + name + " failed to start" + diagnostics(), e.getCause());
        }
    }

    /** What the replica said when it was ready: pid, startup time, which options its build took. */
    public JsonNode hello() {
        return ready.getNow(null);
    }

    /** How long the child took from {@code main} to ready, and the JVM before it. */
    public long startupMillis() {
        return hello().path("jvmUptimeMs").asLong();
    }

    /** Whether the replica's build accepted option {@code name} (statementTimeout, resumeRecovery, resumeLease). */
    public boolean optionApplied(String option) {
        return hello().path("options").path(option).asBoolean(false);
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    synchronized (strayLines) {
                        strayLines.add(line);
                    }
                    continue;
                }
                if (n.has("event") && n.get("event").asText().equals("ready")) {
                    ready.complete(n);
                    continue;
                }
                CompletableFuture<JsonNode> f = pending.remove(n.path("id").asLong(-1));
                if (f != null) {
                    f.complete(n);
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            ready.complete(null);
            AssertionError gone = new AssertionError("replica " + name + " is gone");
            pending.values().forEach(f -> f.completeExceptionally(gone));
            pending.clear();
        }
    }

    /** Sends a command; the future completes with the answer (or exceptionally if the replica dies first). */
    public CompletableFuture<JsonNode> send(String cmd, Object... keyValues) {
        ObjectNode c = JSON.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            c.set((String) keyValues[i], JSON.valueToTree(keyValues[i + 1]));
        }
        return send(cmd, c);
    }

    public CompletableFuture<JsonNode> send(String cmd, ObjectNode command) {
        long id = ids.incrementAndGet();
        command.put("id", id).put("cmd", cmd);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        synchronized (stdin) {
            try {
                stdin.write(command.toString());
                stdin.write('\n');
                stdin.flush();
            } catch (IOException e) {
                pending.remove(id);
                f.completeExceptionally(new AssertionError("replica " + name + " is gone; cannot send " + cmd));
            }
        }
        return f;
    }

    /** Sends a command and waits up to 60 s for its answer. */
    public JsonNode call(String cmd, Object... keyValues) {
        return await(send(cmd, keyValues), Duration.ofSeconds(60), cmd);
    }

    /** Waits for an answer of this replica. */
    public JsonNode await(CompletableFuture<JsonNode> answer, Duration max, String what) {
        try {
            return answer.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("replica " + name + ": no answer to " + what + " within " + max + diagnostics());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new AssertionError("replica " + name + ": " + what + " failed: " + e.getCause().getMessage()
                    + diagnostics());
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL, and wait until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM (the JVM runs its shutdown hooks). */
    public void stop() {
        process.destroy();
    }

    /** Whether the process exited within {@code max}. */
    public boolean awaitExit(Duration max) {
        try {
            return process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The child's stderr file: its logs. */
    public Path stderrFile() {
        return stderr;
    }

    /** The child's log so far. */
    public String log() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private String diagnostics() {
        String log = log();
        String tail = log.length() > 6000 ? log.substring(log.length() - 6000) : log;
        String stray;
        synchronized (strayLines) {
            stray = strayLines.isEmpty() ? "" : "\n--- stray stdout lines ---\n" + String.join("\n", strayLines);
        }
        return " (pid " + pid() + (process.isAlive() ? ", alive" : ", exited " + process.exitValue()) + ", log "
                + stderr + ")\n--- stderr tail of replica " + name + " ---\n" + tail + stray;
    }

    /** Ends the replica: asks it to exit, then kills it if it has not within a few seconds. */
    @Override
    public void close() {
        if (process.isAlive()) {
            send("exit");
            if (!awaitExit(Duration.ofSeconds(5))) {
                kill();
            }
        }
    }

    @Override
    public String toString() {
        return "Replica[" + name + ", pid " + pid() + "]";
    }
}
