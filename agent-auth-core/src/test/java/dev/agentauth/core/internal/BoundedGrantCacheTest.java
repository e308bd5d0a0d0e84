package dev.agentauth.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The in-memory cache is bounded: many users' grants never grow it past its size; evicted grants come from the store. */
class BoundedGrantCacheTest {

    @Test
    void tokenWhenMoreUsersThanTheCacheHoldsThenCacheStaysBoundedAndEveryTokenIsStillServed() {
        TokenStore store = TokenStore.inMemory();
        Instant now = Instant.now();
        for (int i = 0; i < 2_000; i++) {
            store.save(new StoredGrant(new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "user" + i,
                    GrantKey.SHARED, ""), "token-" + i, "Bearer", null, Scopes.NONE, now.plus(1, ChronoUnit.HOURS),
                    now));
        }
        try (TokenBroker broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").tokenEndpoint("http://127.0.0.1:1/token").clientId("c")
                        .clientSecret("s").build())
                .tokenStore(store).cacheMaximumSize(100).eagerDiscovery(false)
                .redirectUri(URI.create("http://127.0.0.1:1/cb")).build()) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 2_000; i++) {
                    assertThat(broker.tokenOrThrow(TokenRequest.forUser("corp", "user" + i)).value())
                            .isEqualTo("token-" + i);
                }
            }
            assertThat(((DefaultTokenBroker) broker).cachedGrants()).isLessThanOrEqualTo(100);
        }
    }
}
