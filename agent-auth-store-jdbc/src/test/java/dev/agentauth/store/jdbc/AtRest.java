package dev.agentauth.store.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/** Looks for secrets in the raw bytes a store left on disk. */
final class AtRest {

    private AtRest() {
    }

    /**
     * Every (file, needle) pair where a file under {@code dir} contains a needle's UTF-8 bytes. For each secret the
     * needles are the whole value and its last 24 characters (a JWT's signature), so a partly stored token is found
     * too.
     */
    static List<String> occurrences(Path dir, Collection<String> secrets) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String bytes;
                try {
                    // ISO-8859-1 maps each byte to one char, so String.contains is a byte search.
                    bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    continue; // a file the server removed meanwhile
                }
                for (String secret : secrets) {
                    for (String needle : List.of(secret, secret.substring(Math.max(0, secret.length() - 24)))) {
                        String asBytes = new String(needle.getBytes(StandardCharsets.UTF_8),
                                StandardCharsets.ISO_8859_1);
                        if (bytes.contains(asBytes)) {
                            found.add(dir.relativize(file) + " contains a secret (" + needle.length() + " chars)");
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** Whether some file under {@code dir} contains {@code text} (a positive control: the scan sees row data). */
    static boolean anyFileContains(Path dir, String text) {
        return !occurrences(dir, List.of(text)).isEmpty();
    }
}
