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

    /**
     * A caller that builds its request anew for every call, as the agent core does per tool call (equal requests,
     * never the same object twice in a row of 4,096): the fast path finds the entry by the request's hash and
     * equality. The requests are built in setup so that {@code -prof gc} counts only what {@code token()} allocates;
     * read it against {@code LimitBenchmark.mapGetEqualKey}.
     */
    @Benchmark
    public TokenResult userConsentNewRequest(BrokerFixture fixture, EqualRequests requests) {
        return fixture.broker.token(requests.next());
    }

    /**
     * A request built per call the way the agent core builds it ({@code ToolBinding.tokenRequest}): the binding's
     * provider id and scopes, a principal and a request new for each call (equal, never the same objects twice in a row
     * of 4,096). Read it against {@code LimitBenchmark.mapGetEqualKey}, whose keys are new and share their strings.
     */
    @Benchmark
    public TokenResult userConsentBoundRequest(BrokerFixture fixture, BoundRequests requests) {
        return fixture.broker.token(requests.next());
    }

    /** 4,096 distinct requests and principals, equal to {@link BrokerFixture#userRequest}, sharing provider and scopes. */
    @org.openjdk.jmh.annotations.State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class BoundRequests {
        final dev.agentauth.core.TokenRequest[] all = new dev.agentauth.core.TokenRequest[4096];
        int i;

        @org.openjdk.jmh.annotations.Setup
        public void setUp(BrokerFixture fixture) {
            dev.agentauth.core.TokenRequest bound = fixture.userRequest;
            for (int n = 0; n < all.length; n++) {
                all[n] = new dev.agentauth.core.TokenRequest(bound.provider(), bound.scopes(),
                        dev.agentauth.core.Principal.user(new String(bound.principal().user())), bound.flow(),
                        bound.agentScoped(), false, null, null);
            }
        }

        dev.agentauth.core.TokenRequest next() {
            return all[i++ & (all.length - 1)];
        }
    }

    /** 4,096 distinct request objects, all equal to {@link BrokerFixture#userRequest}. */
    @org.openjdk.jmh.annotations.State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class EqualRequests {
        final dev.agentauth.core.TokenRequest[] all = new dev.agentauth.core.TokenRequest[4096];
        int i;

        @org.openjdk.jmh.annotations.Setup
        public void setUp() {
            for (int n = 0; n < all.length; n++) {
                all[n] = dev.agentauth.core.TokenRequest.forUser(BrokerFixture.PROVIDER, "alice", "openid", "repo");
            }
        }

        dev.agentauth.core.TokenRequest next() {
            return all[i++ & (all.length - 1)];
        }
    }
}
