package dev.agentauth.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;

/**
 * Peer comparison for {@link CachedTokenBenchmark#clientCredentials} and
 * {@link CachedTokenContendedBenchmark#clientCredentials}: Spring Security 7.1.1's
 * {@code AuthorizedClientServiceOAuth2AuthorizedClientManager.authorize} returning an already-authorized, unexpired
 * client-credentials client.
 */
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class SpringCachedClientBenchmark {

    @Benchmark
    @Threads(1)
    public OAuth2AuthorizedClient clientCredentials(SpringFixture fixture) {
        return fixture.manager.authorize(fixture.request);
    }

    @Benchmark
    @Threads(2)
    public OAuth2AuthorizedClient clientCredentialsContended(SpringFixture fixture) {
        return fixture.manager.authorize(fixture.request);
    }
}
