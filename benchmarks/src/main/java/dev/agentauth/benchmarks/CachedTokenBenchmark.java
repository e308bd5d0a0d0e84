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
 * {@code TokenBroker.token(request)} when a valid token is cached: the fast path (a {@code ConcurrentHashMap} read of
 * an immutable entry plus a clock read; no lock, no I/O), from one thread.
 *
 * <p>The results are returned, so JMH consumes them and the call cannot be optimized away.
 */
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class CachedTokenBenchmark {

    /** Client credentials (machine to machine): the agent acting as itself. */
    @Benchmark
    public TokenResult clientCredentials(BrokerFixture fixture) {
        return fixture.broker.token(fixture.clientCredentialsRequest);
    }

    /** User consent: alice's token, obtained earlier by authorization code. */
    @Benchmark
    public TokenResult userConsent(BrokerFixture fixture) {
        return fixture.broker.token(fixture.userRequest);
    }
}
