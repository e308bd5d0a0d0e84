package dev.agentauth.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ClientCredentialsOAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;

/**
 * Token rollover under load (issue: "1,000 concurrent callers as a token goes stale"): a harness, not JMH, because the
 * event happens once per token lifetime.
 *
 * <p>A token endpoint on loopback answers client-credentials requests after {@value #ENDPOINT_DELAY_MS} ms with a
 * token living {@value #LIFETIME_S} s. {@value #CALLERS} threads ask for the token every 2 ms for
 * {@value #RUN_S} s, so the token goes stale ({@value #REFRESH_AHEAD_S} s refresh ahead plus {@value #SKEW_S} s clock
 * skew before its expiry) in the middle of the run. Measured per library: token requests the endpoint received, calls that waited for the network (those
 * that returned a token issued after they began), and the p50 / p99 / max latency of a call before the rollover and
 * across it.
 * agent-auth is compared with Spring Security's {@code AuthorizedClientServiceOAuth2AuthorizedClientManager}
 * (client credentials, clock skew = the same refresh window) against the same endpoint.
 *
 * <p>Run: {@code java -Xmx2g -cp benchmarks/target/benchmarks.jar dev.agentauth.benchmarks.RolloverMeasurement}.
 * Prints one {@code key=value} line per figure (read by {@link PerfTable}).
 */
public final class RolloverMeasurement {

    static final int CALLERS = 1000;
    static final int ENDPOINT_DELAY_MS = 300;
    static final int LIFETIME_S = 8;
    static final int REFRESH_AHEAD_S = 4;
    /** Clock skew: a token counts as expired this long before its {@code exp} (both libraries). */
    static final int SKEW_S = 1;
    static final int RUN_S = 6;

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        Endpoint endpoint = Endpoint.start();
        try {
            // Three runs each; the figures printed are those of the run with the median p99 across the rollover (with
            // 1,000 threads on 2 cores, one scheduler or safepoint hiccup moves a microsecond p99 a lot).
            median(List.of(agentAuth(endpoint), agentAuth(endpoint), agentAuth(endpoint)))
                    .print(out, "rollover.agentauth");
            median(List.of(spring(endpoint), spring(endpoint), spring(endpoint))).print(out, "rollover.spring");
        } finally {
            endpoint.server.stop(0);
        }
        System.exit(0);
    }

    private static Result median(List<Result> runs) {
        List<Result> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingLong(r -> Result.pct(r.across(), 0.99)));
        return sorted.get(sorted.size() / 2);
    }

    static Result agentAuth(Endpoint endpoint) throws Exception {
        // Warm-up of the stale path (class loading, JIT) on a broker whose clock runs 4 s ahead, so that the
        // measurement sees steady-state code, as a long-running agent does.
        try (TokenBroker warm = TokenBroker.builder()
                .provider(Provider.oauth2("idp").tokenEndpoint(endpoint.url()).clientId("c").clientSecret("s")
                        .build())
                .clock(java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofSeconds(4)))
                .clockSkew(Duration.ofSeconds(SKEW_S)).refreshAhead(Duration.ofSeconds(REFRESH_AHEAD_S)).build()) {
            TokenRequest request = TokenRequest.forAgent("idp", "reports");
            for (int i = 0; i < 20_000; i++) {
                warm.token(request);
            }
            Thread.sleep(ENDPOINT_DELAY_MS * 3L);
            for (int i = 0; i < 20_000; i++) {
                warm.token(request);
            }
        }
        endpoint.requests.set(0);
        try (TokenBroker broker = TokenBroker.builder()
                .provider(Provider.oauth2("idp").tokenEndpoint(endpoint.url()).clientId("c").clientSecret("s")
                        .build())
                .clockSkew(Duration.ofSeconds(SKEW_S)).refreshAhead(Duration.ofSeconds(REFRESH_AHEAD_S)).build()) {
            TokenRequest request = TokenRequest.forAgent("idp", "reports");
            if (!(broker.token(request) instanceof TokenResult.Granted)) {
                throw new IllegalStateException("no first token");
            }
            return run(endpoint, () -> ((TokenResult.Granted) broker.token(request)).token().value());
        }
    }

    static Result spring(Endpoint endpoint) throws Exception {
        endpoint.requests.set(0);
        ClientRegistration registration = ClientRegistration.withRegistrationId("idp").clientId("c")
                .clientSecret("s").authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .tokenUri(endpoint.url()).scope("reports").build();
        InMemoryClientRegistrationRepository registrations = new InMemoryClientRegistrationRepository(registration);
        AuthorizedClientServiceOAuth2AuthorizedClientManager manager =
                new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations,
                        new InMemoryOAuth2AuthorizedClientService(registrations));
        ClientCredentialsOAuth2AuthorizedClientProvider provider = new ClientCredentialsOAuth2AuthorizedClientProvider();
        // Spring renews when "expired" by its clock skew: the same moment agent-auth's refresh-ahead window opens.
        provider.setClockSkew(Duration.ofSeconds(SKEW_S + REFRESH_AHEAD_S));
        manager.setAuthorizedClientProvider(provider);
        OAuth2AuthorizeRequest request = OAuth2AuthorizeRequest.withClientRegistrationId("idp").principal("agent")
                .build();
        OAuth2AuthorizedClient first = manager.authorize(request);
        if (first == null) {
            throw new IllegalStateException("no first token");
        }
        return run(endpoint, () -> manager.authorize(request).getAccessToken().getTokenValue());
    }

    /** {@value #CALLERS} threads call {@code call} every 2 ms for {@value #RUN_S} s; latencies by phase. */
    static Result run(Endpoint endpoint, Supplier<String> call) throws InterruptedException {
        long start = System.nanoTime();
        long staleAt = endpoint.lastIssuedNanos
                + Duration.ofSeconds(LIFETIME_S - SKEW_S - REFRESH_AHEAD_S).toNanos();
        long end = start + Duration.ofSeconds(RUN_S).toNanos();
        int baseRequests = endpoint.requests.get();
        List<long[]> before = new ArrayList<>();
        List<long[]> across = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(CALLERS);
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger waitedForNetwork = new AtomicInteger();
        for (int i = 0; i < CALLERS; i++) {
            long[] b = new long[RUN_S * 600];
            long[] a = new long[RUN_S * 600];
            before.add(b);
            across.add(a);
            Thread t = new Thread(() -> {
                int nb = 0;
                int na = 0;
                try {
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        String r = call.get();
                        long t1 = System.nanoTime();
                        Long issued = r == null ? null : endpoint.issuedAt.get(r);
                        if (r == null || issued == null) {
                            failures.incrementAndGet();
                        } else if (issued > t0) {
                            // The token this call returned did not exist when the call began: it waited for the
                            // token request.
                            waitedForNetwork.incrementAndGet();
                        }
                        // "across" is the second around the moment the token goes stale.
                        if (t0 >= staleAt - 500_000_000L && t0 < staleAt + 1_500_000_000L) {
                            if (na < a.length) {
                                a[na++] = t1 - t0;
                            }
                        } else if (t0 < staleAt - 500_000_000L && nb < b.length) {
                            b[nb++] = t1 - t0;
                        }
                        LockSupport.parkNanos(2_000_000L);
                    }
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                } finally {
                    b[b.length - 1] = nb; // the count, in the last slot
                    a[a.length - 1] = na;
                    done.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
        }
        done.await();
        return new Result(endpoint.requests.get() - baseRequests, failures.get(), merge(before), merge(across),
                waitedForNetwork.get());
    }

    private static long[] merge(List<long[]> perThread) {
        int total = 0;
        for (long[] a : perThread) {
            total += (int) a[a.length - 1];
        }
        long[] all = new long[total];
        int i = 0;
        for (long[] a : perThread) {
            int n = (int) a[a.length - 1];
            System.arraycopy(a, 0, all, i, n);
            i += n;
        }
        Arrays.sort(all);
        return all;
    }

    record Result(int tokenRequests, int failures, long[] before, long[] across, int waited) {
        /** Calls slower than 100 ms: the network, or (with 1,000 threads on 2 cores) the scheduler or a safepoint. */
        long slow(long[] sorted) {
            return Arrays.stream(sorted).filter(l -> l >= 100_000_000L).count();
        }

        void print(PrintStream out, String prefix) {
            out.println(prefix + ".tokenRequests=" + tokenRequests);
            out.println(prefix + ".callsWaitingOnNetwork=" + waited);
            out.println(prefix + ".across.slowCalls=" + slow(across));
            out.println(prefix + ".failures=" + failures);
            out.println(prefix + ".calls=" + (before.length + across.length));
            out.println(prefix + ".before.p50Us=" + micros(pct(before, 0.50)));
            out.println(prefix + ".before.p99Us=" + micros(pct(before, 0.99)));
            out.println(prefix + ".across.p50Us=" + micros(pct(across, 0.50)));
            out.println(prefix + ".across.p99Us=" + micros(pct(across, 0.99)));
            out.println(prefix + ".across.maxUs=" + micros(across.length == 0 ? 0 : across[across.length - 1]));
            out.println(prefix + ".before.maxUs=" + micros(before.length == 0 ? 0 : before[before.length - 1]));
            out.println(prefix + ".before.slowCalls=" + slow(before));
        }

        static long pct(long[] sorted, double p) {
            return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
        }

        private static String micros(long nanos) {
            return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1000.0);
        }
    }

    /** A client-credentials token endpoint that answers after {@value #ENDPOINT_DELAY_MS} ms. */
    static final class Endpoint {
        final HttpServer server;
        final AtomicInteger requests = new AtomicInteger();
        /** When each token was issued (System.nanoTime, just before the answer is sent). */
        final java.util.concurrent.ConcurrentHashMap<String, Long> issuedAt = new java.util.concurrent.ConcurrentHashMap<>();
        volatile long lastIssuedNanos = System.nanoTime();

        private Endpoint(HttpServer server) {
            this.server = server;
        }

        static Endpoint start() throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1024);
            Endpoint e = new Endpoint(server);
            server.setExecutor(Executors.newFixedThreadPool(64));
            server.createContext("/token", ex -> {
                int n = e.requests.incrementAndGet();
                ex.getRequestBody().readAllBytes();
                try {
                    Thread.sleep(ENDPOINT_DELAY_MS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                e.lastIssuedNanos = System.nanoTime();
                e.issuedAt.put("token-" + n, e.lastIssuedNanos);
                byte[] body = ("{\"access_token\":\"token-" + n + "\",\"token_type\":\"Bearer\",\"expires_in\":"
                        + LIFETIME_S + ",\"scope\":\"reports\"}").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            server.start();
            return e;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
        }
    }

    private RolloverMeasurement() {
    }
}
