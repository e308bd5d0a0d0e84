package dev.agentauth.faults.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A file every replica appends one line to at each start and end of a tool ({@code event replica tool subject}), so
 * the test counts tool executions across processes — including those of a replica that was killed mid-tool. Lines
 * are short single appends ({@code O_APPEND}), so lines of concurrent processes do not interleave.
 */
public final class ToolLog {

    /** One line of the log. */
    public record Entry(String event, String replica, String tool, String subject) {
    }

    private final Path file;

    public ToolLog(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    void append(String event, String replica, String tool, String subject) {
        String line = event + " " + replica + " " + tool + " " + subject + "\n";
        try {
            Files.write(file, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Entry> entries() {
        try {
            if (!Files.exists(file)) {
                return List.of();
            }
            return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).map(l -> l.split(" "))
                    .map(p -> new Entry(p[0], p[1], p[2], p[3])).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many times {@code tool} started, on any replica. */
    public long starts(String tool) {
        return entries().stream().filter(e -> e.event().equals("start") && e.tool().equals(tool)).count();
    }

    /** How many times {@code tool} started on {@code replica}. */
    public long starts(String tool, String replica) {
        return entries().stream().filter(e -> e.event().equals("start") && e.tool().equals(tool)
                && e.replica().equals(replica)).count();
    }

    public long ends(String tool) {
        return entries().stream().filter(e -> e.event().equals("end") && e.tool().equals(tool)).count();
    }

    /** Waits until {@code tool} has started {@code count} times; whether it did within {@code millis}. */
    public boolean awaitStarts(String tool, long count, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (starts(tool) >= count) {
                return true;
            }
            PgProcess.sleep(20);
        }
        return starts(tool) >= count;
    }

    @Override
    public String toString() {
        return entries().toString();
    }
}
