package dev.agentauth.samples;

import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.tools.AuthenticatedAgent;
import dev.agentauth.tools.ConsentMode;
import dev.agentauth.tools.PrincipalResolver;
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

    private CliChat() {
    }

    public static void main(String[] args) throws Exception {
        String user = "alice";
        for (String a : args) {
            if (a.startsWith("--user=")) {
                user = a.substring("--user=".length());
            }
        }
        run(System.in, System.out, user, System.getenv());
    }

    /** Chats as {@code user} until the input ends or says {@code exit}. */
    public static void run(InputStream input, PrintStream out, String user, Map<String, String> env)
            throws Exception {
        try (DemoEnvironment demo = DemoEnvironment.start(null, env)) {
            AuthenticatedAgent agent = demo.agent()
                    .consentMode(ConsentMode.BLOCKING)
                    .blockingTimeout(Duration.ofMinutes(5))
                    .consentListener(consent -> waitVisibly(demo, consent, out))
                    .build();
            DemoAssistant assistant = agent.aiService(DemoAssistant.class);
            InvocationParameters asUser = InvocationParameters.from(PrincipalResolver.USER, user);

            out.println("agent-auth demo chat as " + user + " (--user=NAME to change); model: " + demo.modelLabel());
            out.println("Try: list my notes · add a note: buy milk · service status · exit");
            BufferedReader in = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
            while (true) {
                out.print("you> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("exit")) {
                    break;
                }
                if (!line.isBlank()) {
                    out.println("agent> " + assistant.chat("cli:" + user, line, asUser));
                }
            }
        }
    }

    // Runs on the tool call's thread, which then waits for the consent: show the URL and a spinner meanwhile.
    private static void waitVisibly(DemoEnvironment demo, ConsentRequirement consent, PrintStream out) {
        out.println();
        out.println("  " + consent.providerDisplayName() + " asks you to authorize: " + consent.scopes());
        out.println("  open: " + consent.authorizationUri());
        CompletableFuture<?> done = demo.broker().consentCompletion(consent.id());
        Thread spinner = new Thread(() -> {
            long started = System.nanoTime();
            for (int i = 0; !done.isDone(); i++) {
                long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
                out.print("\r  waiting for you to sign in " + SPINNER.charAt(i % 4) + " " + seconds + "s ");
                out.flush();
                try {
                    done.get(250, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                } catch (ExecutionException | TimeoutException e) {
                    // refused, or still waiting: the loop decides
                }
            }
            out.println("\r  " + (done.isCompletedExceptionally() ? "not authorized." : "authorized.")
                    + "                         ");
        }, "consent-spinner");
        spinner.setDaemon(true);
        spinner.start();
    }
}
