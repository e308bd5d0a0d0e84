package dev.agentauth.benchmarks;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Consent latency: from the moment the user's browser sends the OAuth callback to the broker's loopback callback
 * server until the tool call that was waiting for the consent ({@code awaitToken}, as a blocking tool waits) has its
 * token. It includes what must happen in between: the callback's validation, the code redemption at a real identity
 * provider (mock-oauth2-server on loopback), the store write, and waking the waiting thread. A harness, not JMH: each
 * sample is one consent of a new user.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.agentauth.benchmarks.ConsentLatencyMeasurement}.
 */
public final class ConsentLatencyMeasurement {

    static final int WARMUP = 50;
    static final int SAMPLES = 300;

    public static void main(String[] args) throws Exception {
        ExecutorService waiters = Executors.newCachedThreadPool();
        try (TestIdp idp = TestIdp.start();
             TokenBroker broker = TokenBroker.builder()
                     .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent").clientSecret("s")
                             .defaultScopes("openid").build())
                     .loopbackCallback().build()) {
            ScriptedBrowser browser = new ScriptedBrowser();
            long[] resumed = new long[SAMPLES];
            long[] callbackAnswered = new long[SAMPLES];
            for (int i = 0; i < WARMUP + SAMPLES; i++) {
                String user = "user-" + i;
                TokenRequest request = TokenRequest.forUser("corp", user, "notes.read");
                ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(request)).consent();
                CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
                    AccessToken t = broker.awaitToken(request, Duration.ofSeconds(30));
                    if (t == null) {
                        throw new IllegalStateException("no token");
                    }
                    return System.nanoTime();
                }, waiters);
                // The user signs in at the identity provider; the redirect back is what is timed.
                URI callback = browser.signIn(consent.authorizationUri(), user);
                Thread.sleep(2); // the waiter is parked on the consent
                long sent = System.nanoTime();
                int status = browser.get(callback).statusCode();
                long answered = System.nanoTime();
                long woke = waiter.get(30, TimeUnit.SECONDS);
                if (status != 200) {
                    throw new IllegalStateException("the callback answered HTTP " + status);
                }
                if (i >= WARMUP) {
                    resumed[i - WARMUP] = woke - sent;
                    callbackAnswered[i - WARMUP] = answered - sent;
                }
            }
            Arrays.sort(resumed);
            Arrays.sort(callbackAnswered);
            System.out.println("consent.samples=" + SAMPLES);
            System.out.println("consent.resumed.p50Ms=" + ms(resumed[SAMPLES / 2]));
            System.out.println("consent.resumed.p99Ms=" + ms(resumed[(int) Math.ceil(SAMPLES * 0.99) - 1]));
            System.out.println("consent.callbackPage.p50Ms=" + ms(callbackAnswered[SAMPLES / 2]));
            System.out.println("consent.callbackPage.p99Ms=" + ms(callbackAnswered[(int) Math.ceil(SAMPLES * 0.99) - 1]));
        } finally {
            waiters.shutdownNow();
        }
        System.exit(0);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    private ConsentLatencyMeasurement() {
    }
}
