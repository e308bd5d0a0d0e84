package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The broker's fast path (the last entry served for a request equal to the one asked, reused or built anew per call)
 * never outlives the cache entry it points to: a rejected, renewed, disconnected or stale token is not served from
 * it, and one request's entry is never another's — not even when two requests share a slot of its table.
 */
class RequestFastPathTest {

    @Test
    void aReusedRequestGetsTheNewTokenOnceTheOldOneWasRejected() {
        try (TestIdp idp = TestIdp.start();
             TokenBroker broker = TokenBroker.builder()
                     .provider(Provider.oauth2("idp").issuer(idp.issuer()).clientId("c").clientSecret("s").build())
                     .build()) {
            TokenRequest request = TokenRequest.forAgent("idp", "reports");
            AccessToken first = broker.tokenOrThrow(request);
            assertThat(broker.tokenOrThrow(request)).isSameAs(first); // served from the fast path now
            assertThat(broker.tokenOrThrow(TokenRequest.forAgent("idp", "reports"))).isSameAs(first); // equal request
            broker.reportRejected(request, first);
            AccessToken second = broker.tokenOrThrow(request);
            assertThat(second.value()).isNotEqualTo(first.value());
            assertThat(broker.tokenOrThrow(request)).isSameAs(second);
            assertThat(broker.tokenOrThrow(TokenRequest.forAgent("idp", "reports"))).isSameAs(second);
        }
    }

    @Test
    void aReusedRequestIsRefusedOnceTheUserDisconnectedAndIsNeverServedAnotherUsersToken() {
        MutableClock clock = MutableClock.now();
        Instant now = clock.instant();
        TokenStore store = TokenStore.inMemory();
        for (String user : new String[] {"alice", "bob"}) {
            store.save(new StoredGrant(new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, user, GrantKey.SHARED,
                    ""), "token-of-" + user, "Bearer", "refresh", Scopes.of("notes"), now.plusSeconds(3600), now));
        }
        try (TokenBroker broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").authorizationEndpoint("http://127.0.0.1:1/authorize")
                        .tokenEndpoint("http://127.0.0.1:1/token").clientId("c").clientSecret("s").build())
                .tokenStore(store).clock(clock).redirectUri(URI.create("http://127.0.0.1:1/cb")).build()) {
            TokenRequest alice = TokenRequest.forUser("corp", "alice", "notes");
            TokenRequest bob = TokenRequest.forUser("corp", "bob", "notes");
            for (int i = 0; i < 3; i++) {
                assertThat(broker.tokenOrThrow(alice).value()).isEqualTo("token-of-alice");
                assertThat(broker.tokenOrThrow(bob).value()).isEqualTo("token-of-bob");
            }
            // A request for more scope than alice granted is not served her narrower token.
            assertThat(broker.token(TokenRequest.forUser("corp", "alice", "notes", "admin")))
                    .isInstanceOf(TokenResult.ConsentRequired.class);

            broker.disconnect(ProviderId.of("corp"), "alice");
            assertThat(broker.token(alice)).isInstanceOf(TokenResult.ConsentRequired.class);
            assertThat(broker.token(TokenRequest.forUser("corp", "alice", "notes")))
                    .isInstanceOf(TokenResult.ConsentRequired.class);
            assertThat(broker.tokenOrThrow(bob).value()).isEqualTo("token-of-bob");

            // Stale: not served from the fast path (the broker renews it in the background; here it cannot reach
            // the token endpoint and keeps serving bob's still-valid token from the cache).
            clock.advance(Duration.ofMinutes(56));
            assertThat(broker.tokenOrThrow(bob).value()).isEqualTo("token-of-bob");
        }
    }

    @Test
    void requestsBuiltPerCallForMoreUsersThanTheTableHasSlotsAreEachServedTheirOwnToken() {
        Instant now = Instant.now();
        TokenStore store = TokenStore.inMemory();
        int users = 3_000; // about three requests per slot of the fast path's table: collisions are certain
        for (int i = 0; i < users; i++) {
            store.save(new StoredGrant(new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "u" + i,
                    GrantKey.SHARED, ""), "token-of-u" + i, "Bearer", null, Scopes.of("notes"),
                    now.plusSeconds(3600), now));
        }
        try (TokenBroker broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").authorizationEndpoint("http://127.0.0.1:1/authorize")
                        .tokenEndpoint("http://127.0.0.1:1/token").clientId("c").clientSecret("s").build())
                .tokenStore(store).redirectUri(URI.create("http://127.0.0.1:1/cb")).build()) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < users; i++) {
                    assertThat(broker.tokenOrThrow(TokenRequest.forUser("corp", "u" + i, "notes")).value())
                            .isEqualTo("token-of-u" + i);
                }
            }
            // Interleaved, so that a slot just written for one user is read for another.
            for (int i = 0; i < users; i++) {
                int j = (i * 7919) % users;
                assertThat(broker.tokenOrThrow(TokenRequest.forUser("corp", "u" + j, "notes")).value())
                        .isEqualTo("token-of-u" + j);
            }
        }
    }
}
