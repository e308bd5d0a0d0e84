package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The terminal chat in a real pseudo-terminal ({@code script} from util-linux): a consent nobody completes ends its
 * spinner when the tool call stops waiting, the answer and the next prompt start on clean lines, the URL is an OSC 8
 * hyperlink, and Ctrl-C ends on a clean line.
 */
class TerminalChatPtyTest {

    @Test
    void aConsentTimeoutEndsTheSpinnerAndCtrlCEndsOnACleanLine() throws Exception {
        Path script = Path.of("/usr/bin/script");
        assumeTrue(Files.isExecutable(script), "util-linux script(1) is needed for a pseudo-terminal");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // A build started in the background of a non-interactive shell inherits SIGINT ignored, and a JVM started
        // with SIGINT ignored keeps ignoring it (as under nohup): the chat gets the default disposition back, as
        // from an interactive terminal, so that Ctrl-C reaches it (coreutils env, 8.31 or later).
        String java = "env --default-signal=INT " + Path.of(System.getProperty("java.home"), "bin", "java")
                + " -XX:TieredStopAtLevel=1 -cp " + cp
                + " dev.agentauth.samples.CliChat --user=tess";
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "-q", "-f", "-e", "-c", java, "/dev/null");
        pb.environment().put("DEMO_CONSENT_TIMEOUT", "PT3S");
        pb.environment().put("TERM", "xterm");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        StringBuffer screen = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] b = new byte[4096];
                for (int n; (n = in.read(b)) > 0; ) {
                    screen.append(new String(b, 0, n, StandardCharsets.UTF_8));
                }
            } catch (java.io.IOException ended) {
                // the terminal closed
            }
        });
        reader.setDaemon(true);
        reader.start();
        OutputStream keyboard = p.getOutputStream();
        try {
            await(screen, "you> ", 1, Duration.ofSeconds(90));
            keyboard.write("list my notes\n".getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
            await(screen, "no sign-in within 3 s", 1, Duration.ofSeconds(60));
            await(screen, "you> ", 2, Duration.ofSeconds(30));
            String afterTimeout = screen.substring(screen.indexOf("no sign-in within 3 s"));
            // The answer starts on a line of its own, and so does the next prompt.
            assertThat(afterTimeout).containsPattern("\\r?\\n(\\r)?agent> ");
            assertThat(afterTimeout).containsPattern("\\n(\\r)?you> ");
            // The spinner stopped: nothing more of it after the prompt.
            int promptAt = screen.lastIndexOf("you> ");
            Thread.sleep(1_000);
            assertThat(screen.substring(promptAt)).doesNotContain("waiting for you to sign in");
            // The URL is a terminal hyperlink (OSC 8).
            assertThat(screen.toString()).contains("\u001b]8;;http");

            keyboard.write(3); // Ctrl-C
            keyboard.flush();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the chat exits on Ctrl-C; the terminal shows:\n%s", screen)
                    .isTrue();
            reader.join(5_000);
            String end = screen.toString().replaceAll("[ \\r]+$", "");
            assertThat(end).as("ends on a clean line").endsWith("\n");
        } finally {
            p.destroyForcibly();
        }
    }

    private static void await(StringBuffer screen, String text, int times, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (count(screen.toString(), text) >= times) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the terminal never showed '" + text + "' " + times + " time(s); it shows:\n"
                + screen);
    }

    private static int count(String s, String text) {
        int n = 0;
        for (int i = s.indexOf(text); i >= 0; i = s.indexOf(text, i + text.length())) {
            n++;
        }
        return n;
    }
}
