package dev.agentauth.benchmarks;

import dev.agentauth.core.TokenResult;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;

/**
 * {@link CachedTokenBenchmark} from two threads (one per core of the reference machine) sharing one broker and one
 * cache entry. A lock-free fast path shows about twice the single-thread throughput and the same time per call;
 * contention would show as lower throughput and longer calls.
 */
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class CachedTokenContendedBenchmark {

    @Benchmark
    public TokenResult clientCredentials(BrokerFixture fixture) {
        return fixture.broker.token(fixture.clientCredentialsRequest);
    }

    @Benchmark
    public TokenResult userConsent(BrokerFixture fixture) {
        return fixture.broker.token(fixture.userRequest);
    }
}
