package dev.agentauth.samples;

import java.io.IOException;
import java.net.BindException;
import java.util.Arrays;

/**
 * The demo agent: {@code mvn -B -q -pl samples -am compile -Pdemo} starts an identity provider, a protected notes
 * API and the web chat, and prints the chat's URL. {@code -Dexec.args=--cli} chats in the terminal instead;
 * {@code -Dexec.args=--port=9000} picks the web chat's port (default 8080, or {@code DEMO_PORT}; 0 for any free one).
 */
public final class DemoApp {

    private DemoApp() {
    }

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--cli")) {
            CliChat.main(args);
            return;
        }
        WebChat chat = start(port(args));
        Runtime.getRuntime().addShutdownHook(new Thread(chat::close));
        System.out.println();
        System.out.println("  agent-auth demo is running. Open the web chat:  " + chat.uri());
        System.out.println();
        System.out.println("  model:             " + chat.environment().modelLabel());
        System.out.println("  identity provider: " + chat.environment().issuer() + "  (any user name signs in)");
        System.out.println("  notes API:         " + chat.environment().notesApi() + "  (bearer tokens only)");
        System.out.println("  calendar MCP:      " + chat.environment().calendarMcp() + "  (bearer tokens only)");
        System.out.println("  Ctrl+C to stop.");
        Thread.currentThread().join();
    }

    private static WebChat start(int port) throws IOException {
        try {
            return WebChat.start(port < 0 ? 8080 : port, System.getenv());
        } catch (BindException e) {
            if (port >= 0) {
                throw e;    // asked for: an OAuth app's registered redirect URI depends on it
            }
            System.out.println("Port 8080 is taken; using a free one (set --port=N for a fixed one).");
            return WebChat.start(0, System.getenv());
        }
    }

    /** The port asked for, or -1 for the default. */
    private static int port(String[] args) {
        for (String a : args) {
            if (a.startsWith("--port=")) {
                return Integer.parseInt(a.substring("--port=".length()));
            }
        }
        String env = System.getenv("DEMO_PORT");
        return env == null || env.isBlank() ? -1 : Integer.parseInt(env);
    }
}
