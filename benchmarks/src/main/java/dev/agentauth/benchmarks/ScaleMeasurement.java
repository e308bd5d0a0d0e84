package dev.agentauth.benchmarks;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.store.jdbc.TokenEncryption;
import dev.agentauth.store.jdbc.TokenStores;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scale, not speed of one call: how many bytes a cached grant costs, that a million users do not grow the heap past
 * the cache's bound, and {@code token()} on a PostgreSQL store holding 100,000 grants with a cold cache (p50 / p99).
 * A harness rather than JMH: each figure is one large state, built once. Run with
 * {@code java -cp benchmarks/target/benchmarks.jar dev.agentauth.benchmarks.ScaleMeasurement}.
 */
public final class ScaleMeasurement {

    static final Provider PROVIDER = Provider.oauth2("corp").tokenEndpoint("http://127.0.0.1:1/token")
            .clientId("scale").clientSecret("scale-secret").build();

    private ScaleMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        List<String> only = List.of(args);
        if (only.isEmpty() || only.contains("heap")) {
            bytesPerCachedGrant(100_000);
            millionUsersStayBounded(1_000_000, 100_000);
        }
        if (only.isEmpty() || only.contains("postgres")) {
            postgresColdCache(100_000, 10_000);
        }
    }

    /** A store that has a grant for every user without keeping any: what the cache holds is all that grows. */
    static final class SyntheticStore implements TokenStore {
        final Instant now = Instant.now();

        @Override
        public Optional<StoredGrant> find(GrantKey key) {
            return Optional.of(new StoredGrant(key, "token-of-" + key.user(), "Bearer", null, Scopes.NONE,
                    now.plus(1, ChronoUnit.HOURS), now));
        }

        @Override
        public void save(StoredGrant grant) {
        }

        @Override
        public boolean delete(GrantKey key) {
            return false;
        }

        @Override
        public List<StoredGrant> findByUser(String user) {
            return List.of();
        }

        @Override
        public void saveConsent(PendingConsent consent) {
        }

        @Override
        public Optional<PendingConsent> claimConsent(String stateDigest, String claimant, Instant at,
                                                     Instant until) {
            return Optional.empty();
        }

        @Override
        public void releaseConsent(String stateDigest, String claimant, Instant nextPollAt,
                                   java.time.Duration pollInterval) {
        }

        @Override
        public void completeConsent(PendingConsent consent, StoredGrant grant,
                                    dev.agentauth.core.store.ConsentOutcome outcome) {
        }

        @Override
        public List<PendingConsent> dueDeviceConsents(Instant at, int limit) {
            return List.of();
        }

        @Override
        public Optional<PendingConsent> findConsent(ConsentId id) {
            return Optional.empty();
        }

        @Override
        public int purgeExpiredConsents(Instant now) {
            return 0;
        }
    }

    static TokenBroker broker(TokenStore store, long cacheSize) {
        return TokenBroker.builder().provider(PROVIDER).tokenStore(store).cacheMaximumSize(cacheSize)
                .eagerDiscovery(false).redirectUri(URI.create("http://127.0.0.1:1/cb")).build();
    }

    static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static void bytesPerCachedGrant(int users) throws Exception {
        List<TokenRequest> requests = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            requests.add(TokenRequest.forUser("corp", "user" + i));
        }
        try (TokenBroker broker = broker(new SyntheticStore(), users)) {
            long before = usedHeap();
            for (TokenRequest r : requests) {
                broker.token(r);
            }
            long after = usedHeap();
            System.out.println("scale.grants=" + users);
            System.out.println("scale.bytesPerCachedGrant=" + (after - before) / users);
        }
    }

    static void millionUsersStayBounded(int users, long bound) throws Exception {
        try (TokenBroker broker = broker(new SyntheticStore(), bound)) {
            long before = usedHeap();
            long at100k = 0;
            for (int i = 0; i < users; i++) {
                broker.token(TokenRequest.forUser("corp", "user" + i));
                if (i == bound - 1) {
                    at100k = usedHeap() - before;
                }
            }
            long atEnd = usedHeap() - before;
            System.out.println("scale.cacheBound=" + bound);
            System.out.println("scale.users=" + users);
            System.out.println("scale.heapAtBoundKiB=" + at100k / 1024);
            System.out.println("scale.heapAtEndKiB=" + atEnd / 1024);
        }
    }

    static void postgresColdCache(int grants, int samples) throws Exception {
        EmbeddedPg pg = EmbeddedPg.startNew();
        try {
            pg.database("scale"); // created on first use
            String keyset = TokenEncryption.generateKeyset();
            try (TokenStore seed = TokenStores.postgres().jdbcUrl(pg.jdbcUrl("scale"))
                    .encryption(TokenEncryption.fromJson(Secret.of(keyset))).maximumPoolSize(8).build()) {
                Instant now = Instant.now();
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int from = t;
                    done.add(pool.submit(() -> {
                        for (int i = from; i < grants; i += 8) {
                            seed.save(new StoredGrant(new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT,
                                    "user" + i, GrantKey.SHARED, ""), "token-" + i, "Bearer", "refresh-" + i,
                                    Scopes.NONE, now.plus(1, ChronoUnit.HOURS), now));
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                pool.shutdown();
            }
            try (TokenBroker broker = broker(TokenStores.postgres().jdbcUrl(pg.jdbcUrl("scale"))
                    .encryption(TokenEncryption.fromJson(Secret.of(keyset))).build(), 100_000)) {
                Random random = new Random(42);
                for (int i = 0; i < 1_000; i++) { // warm the JIT and the pool on users not measured
                    broker.token(TokenRequest.forUser("corp", "user" + (grants - 1 - i)));
                }
                long[] nanos = new long[samples];
                for (int i = 0; i < samples; i++) {
                    TokenRequest r = TokenRequest.forUser("corp", "user" + random.nextInt(grants - 1_000));
                    long start = System.nanoTime();
                    broker.token(r);
                    nanos[i] = System.nanoTime() - start;
                }
                Arrays.sort(nanos);
                System.out.println("scale.pg.grants=" + grants);
                System.out.println("scale.pg.samples=" + samples);
                System.out.println(String.format(java.util.Locale.ROOT, "scale.pg.p50Ms=%.2f", nanos[samples / 2] / 1e6));
                System.out.println(String.format(java.util.Locale.ROOT, "scale.pg.p99Ms=%.2f",
                        nanos[(int) (samples * 0.99)] / 1e6));
            }
        } finally {
            pg.close();
        }
    }
}
