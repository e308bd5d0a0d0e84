package dev.agentauth.benchmarks;

import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One broker whose cache already holds a valid client-credentials token and a valid user token.
 *
 * <p>{@link Scope#Benchmark}: every benchmark thread shares this broker, so the multi-threaded benchmarks read the
 * same cache entry from every thread — the worst case for contention. The requests are built once here, so the
 * measured call allocates only what {@link TokenBroker#token} itself allocates ({@code -prof gc} reports it as
 * {@code gc.alloc.rate.norm}).
 *
 * <p>No network: the provider has explicit endpoints on 127.0.0.1:1 (nothing listens there) and no issuer, so there
 * is no discovery; both grants are put straight into the store, and {@link #setUp()} fails if a call would have
 * needed the token endpoint.
 */
@State(Scope.Benchmark)
public class BrokerFixture {

    static final String PROVIDER = "corp";

    TokenBroker broker;
    TokenRequest clientCredentialsRequest;
    TokenRequest userRequest;

    @Setup(Level.Trial)
    public void setUp() {
        Provider provider = Provider.oauth2(PROVIDER)
                .authorizationEndpoint("http://127.0.0.1:1/authorize")
                .tokenEndpoint("http://127.0.0.1:1/token")
                .clientId("c")
                .clientSecret("s")
                .build();
        clientCredentialsRequest = TokenRequest.forAgent(PROVIDER, "openid", "reports");
        userRequest = TokenRequest.forUser(PROVIDER, "alice", "openid", "repo");

        Instant now = Instant.now();
        Instant inAnHour = now.plus(1, ChronoUnit.HOURS);
        TokenStore store = TokenStore.inMemory();
        // The key the client-credentials policy computes: the effective scopes (requested scopes plus the provider's
        // defaults, here none), i.e. "openid reports", for every agent (not agent-scoped), no user.
        GrantKey m2mKey = new GrantKey(ProviderId.of(PROVIDER), Flow.CLIENT_CREDENTIALS, null, GrantKey.SHARED,
                clientCredentialsRequest.scopes().union(provider.defaultScopes()).join(" "));
        store.save(new StoredGrant(m2mKey, "m2m-token-value", "Bearer", null, Scopes.of("openid", "reports"),
                inAnHour, now));
        // A user grant as a completed consent would leave it: shared by every agent of alice, no scope key.
        store.save(new StoredGrant(new GrantKey(ProviderId.of(PROVIDER), Flow.USER_CONSENT, "alice", GrantKey.SHARED,
                ""), "token-value", "Bearer", "refresh", Scopes.of("openid", "repo"), inAnHour, now));

        broker = TokenBroker.builder()
                .provider(provider)
                .tokenStore(store)
                .redirectUri(URI.create("http://127.0.0.1:1/cb"))
                .build();

        // The first call takes the slow path (store read, then cache fill); the second must be the fast path, which
        // returns the very object the cache holds.
        warm(clientCredentialsRequest, "m2m-token-value");
        warm(userRequest, "token-value");
    }

    private void warm(TokenRequest request, String expectedValue) {
        TokenResult first = broker.token(request);
        if (!(first instanceof TokenResult.Granted granted)) {
            throw new IllegalStateException("expected a cached token for " + request + ", got " + first);
        }
        if (!granted.token().value().equals(expectedValue)) {
            throw new IllegalStateException("expected the seeded token for " + request
                    + "; the broker obtained another one");
        }
        if (broker.token(request) != first) {
            throw new IllegalStateException("the second call for " + request + " did not hit the cache");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        broker.close();
    }
}
