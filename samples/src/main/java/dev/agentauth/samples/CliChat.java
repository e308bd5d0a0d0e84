package dev.agentauth.samples;

import dev.agentauth.agent.ConsentMode;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.langchain4j.invocation.InvocationParameters;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The demo agent in a terminal: {@code -Dexec.args="--cli --user=bob"}. When a tool needs the user's consent, the
 * call waits ({@link ConsentMode#BLOCKING}): the authorization URL is printed with a spinner until the user has signed
 * in, then the answer follows.
 */
public final class CliChat {

    private static final String SPINNER = "|/-\\";
    /** The spinner of the consent being waited for, if any: ended before the answer prints. */
    private static final java.util.concurrent.atomic.AtomicReference<Thread> SPINNING =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** Whether the last thing printed left the cursor mid-line (the prompt, a spinner frame). */
    private static volatile boolean midLine;

    private CliChat() {
    }

    public static void main(String[] args) throws Exception {
        String user = "alice";
        for (String a : args) {
            if (a.startsWith("--user=")) {
                user = a.substring("--user=".length());
            }
        }
        PrintStream out = System.out;
        // Ctrl-C: end on a clean line, so the shell's prompt does not land on the spinner's or ours.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread spinner = SPINNING.getAndSet(null);
            if (spinner != null) {
                spinner.interrupt();
            }
            if (midLine || spinner != null) {
                out.print("\r" + " ".repeat(60) + "\r");
                out.println();
                out.flush();
            }
        }, "cli-exit"));
        run(System.in, out, user, System.getenv());
    }

    /** How long a tool call waits for the user to sign in: {@code DEMO_CONSENT_TIMEOUT} (ISO-8601), default 5 min. */
    static Duration consentTimeout(Map<String, String> env) {
        String v = env.get("DEMO_CONSENT_TIMEOUT");
        return v == null || v.isBlank() ? Duration.ofMinutes(5) : Duration.parse(v);
    }

    /** Chats as {@code user} until the input ends or says {@code exit}. */
    public static void run(InputStream input, PrintStream out, String user, Map<String, String> env)
            throws Exception {
        try (DemoEnvironment demo = DemoEnvironment.start(null, env)) {
            Duration timeout = consentTimeout(env);
            boolean terminal = System.console() != null && !"dumb".equals(env.get("TERM"));
            AuthenticatedAgent agent = demo.agent()
                    .consentMode(ConsentMode.BLOCKING)
                    .blockingTimeout(timeout)
                    .consentListener(consent -> waitVisibly(demo, consent, out, timeout, terminal))
                    .build();
            DemoAssistant assistant = agent.aiService(DemoAssistant.class);
            InvocationParameters asUser = InvocationParameters.from(PrincipalResolver.USER, user);

            out.println("agent-auth demo chat as " + user + " (--user=NAME to change); model: " + demo.modelLabel());
            out.println("Try: list my notes · add a note: buy milk · service status · exit");
            BufferedReader in = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
            while (true) {
                out.print("you> ");
                out.flush();
                midLine = true;
                String line = in.readLine();
                midLine = false;
                if (line == null || line.strip().equals("exit")) {
                    break;
                }
                if (!line.isBlank()) {
                    String answer;
                    try {
                        answer = assistant.chat("cli:" + user, line, asUser);
                    } finally {
                        endSpinner(); // its last line first: the answer starts on a line of its own
                    }
                    out.println("agent> " + answer);
                }
            }
        }
    }

    /**
     * What the terminal shows of a consent: the provider and scopes, then the URL to open — or, for a device
     * authorization (RFC 8628), the page and the code to enter on any device; for an approval on the user's own device
     * (OpenID CIBA), the action in words and the binding message. A terminal that knows OSC 8 makes links
     * clickable; others show them as they are.
     */
    static String describe(ConsentRequirement consent, boolean terminal) {
        if (consent.prompt() instanceof ConsentPrompt.Backchannel approval) {
            // One action to approve on the user's own device (OpenID CIBA): no link, the action and the message
            return "  " + consent.providerDisplayName() + " asks you to approve: " + approval.approval().summary()
                    + "\n  approve on your device: " + approval.bindingMessage() + "\n";
        }
        StringBuilder out = new StringBuilder("  " + consent.providerDisplayName() + " asks you to authorize: "
                + consent.scopes() + "\n");
        if (consent.prompt() instanceof ConsentPrompt.DeviceCode device) {
            out.append("  on any device, open ").append(link(device.verificationUri().toString(), terminal))
                    .append(" and enter the code  ").append(device.userCode()).append('\n');
            if (device.verificationUriComplete() != null) {
                out.append("  (or open ").append(link(device.verificationUriComplete().toString(), terminal))
                        .append(")\n");
            }
        } else {
            // a redirect, or a kind this terminal does not know yet: the page to open
            out.append("  open: ").append(link(consent.authorizationUri().toString(), terminal)).append('\n');
        }
        return out.toString();
    }

    private static String link(String url, boolean terminal) {
        return terminal ? "\u001b]8;;" + url + "\u001b\\" + url + "\u001b]8;;\u001b\\" : url;
    }

    // Runs on the tool call's thread, which then waits for the consent: show the URL and a spinner meanwhile.
    private static void waitVisibly(DemoEnvironment demo, ConsentRequirement consent, PrintStream out,
                                    Duration timeout, boolean terminal) {
        out.println();
        out.print(describe(consent, terminal));
        CompletableFuture<?> done = demo.broker().consentCompletion(consent.id());
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread spinner = new Thread(() -> {
            long started = System.nanoTime();
            for (int i = 0; !done.isDone(); i++) {
                if (System.nanoTime() >= deadline || Thread.currentThread().isInterrupted()) {
                    // The tool call stopped waiting (the blocking timeout): so does the spinner.
                    out.println("\r  no sign-in within " + timeout.toSeconds() + " s; the agent went on without it."
                            + " Sign in, then ask again.                    ");
                    midLine = false;
                    return;
                }
                long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
                out.print("\r  waiting for you to sign in " + SPINNER.charAt(i % 4) + " " + seconds + "s ");
                out.flush();
                midLine = true;
                try {
                    done.get(250, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    out.print("\r" + " ".repeat(60) + "\r"); // leave the line clean for what prints next
                    out.flush();
                    midLine = false;
                    return;
                } catch (ExecutionException | TimeoutException e) {
                    // refused, or still waiting: the loop decides
                }
            }
            out.println("\r  " + (done.isCompletedExceptionally() ? "not authorized." : "authorized.")
                    + "                         ");
            midLine = false;
        }, "consent-spinner");
        spinner.setDaemon(true);
        SPINNING.set(spinner);
        spinner.start();
    }

    /** Waits (briefly) for the current spinner to print its last line. */
    private static void endSpinner() {
        Thread spinner = SPINNING.getAndSet(null);
        if (spinner != null) {
            try {
                spinner.join(2_000);
                if (spinner.isAlive()) {
                    spinner.interrupt();
                    spinner.join(1_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
