package dev.agentauth.benchmarks;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The floor of any cached-token lookup, to read the broker's cached path against in the same run: one
 * {@code ConcurrentHashMap.get} of an immutable entry keyed by a 4-field record (a fresh key object per call, as a
 * request is), plus a clock read and an expiry compare. Nothing a real broker could drop.
 */
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class LimitBenchmark {

    record Key(String provider, String user, String agent, String scopes) {
    }

    record Entry(String token, long expiresAtMillis) {
    }

    final ConcurrentHashMap<Key, Entry> map = new ConcurrentHashMap<>();
    final Clock clock = Clock.systemUTC();
    final Key key = new Key("corp", "alice", "*", "openid repo");

    @Setup(Level.Trial)
    public void fill() {
        for (int i = 0; i < 1_000; i++) {
            map.put(new Key("corp", "user" + i, "*", "openid repo"), new Entry("t" + i, Long.MAX_VALUE));
        }
        map.put(key, new Entry("token-value", Long.MAX_VALUE));
    }

    /** Not final, so the JIT cannot fold a key built from them into a constant. */
    String provider = "corp";
    String user = "alice";
    String agent = "*";
    String scopes = "openid repo";

    /** 4,096 distinct key objects, all equal to {@link #key}: a key built anew per call, its allocation kept out. */
    final Key[] equalKeys = new Key[4096];
    int next;

    @Setup(Level.Trial)
    public void equalKeys() {
        for (int n = 0; n < equalKeys.length; n++) {
            equalKeys[n] = new Key("corp", "alice", "*", "openid repo");
        }
    }

    /** The floor: lookup plus expiry check, the same key object every call. */
    @Benchmark
    public String mapGetAndExpiryCompare() {
        Entry e = map.get(key);
        return e != null && clock.millis() < e.expiresAtMillis() ? e.token() : null;
    }

    /**
     * The floor for a caller that builds its key per call: the key built in the call (the JIT may keep it off the
     * heap: {@code -prof gc} tells), then the lookup and the expiry check.
     */
    @Benchmark
    public String mapGetFreshKey() {
        Entry e = map.get(new Key(provider, user, agent, scopes));
        return e != null && clock.millis() < e.expiresAtMillis() ? e.token() : null;
    }

    /**
     * The floor for a caller that builds its key per call, the key objects built beforehand (equal, never the same
     * object twice in a row of 4,096): what {@code CachedTokenBenchmark.userConsentNewRequest} is read against.
     */
    @Benchmark
    public String mapGetEqualKey() {
        Entry e = map.get(equalKeys[next++ & (equalKeys.length - 1)]);
        return e != null && clock.millis() < e.expiresAtMillis() ? e.token() : null;
    }
}
