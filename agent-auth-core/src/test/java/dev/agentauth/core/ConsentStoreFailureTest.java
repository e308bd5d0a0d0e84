package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.ForwardingTokenStore;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store fails at the moment a callback ends its consent: the sign-in is not lost. The user is told it is being
 * saved, the waiters in this process get their token at once, the grant and outcome reach the store in the background
 * as soon as it is back (and a reload of the callback then says connected); if the store never comes back, the issued
 * tokens are revoked at the provider instead of being left alive. A store that fails before the code is redeemed
 * leaves the consent usable.
 */
class ConsentStoreFailureTest {

    static TestIdp idp;
    final ScriptedBrowser browser = new ScriptedBrowser();
    final MutableClock clock = MutableClock.now();
    final FailingStore store = new FailingStore();
    TokenBroker broker;

    /**
     * A store whose consent endings fail while {@link #down} is set, and whose claims fail while
     * {@link #claimsDown} is, as a database that went away at that moment.
     */
    static final class FailingStore extends ForwardingTokenStore {
        volatile boolean down;
        volatile boolean claimsDown;

        FailingStore() {
            super(TokenStore.inMemory());
        }

        @Override
        public void completeConsent(PendingConsent consent, StoredGrant grant, ConsentOutcome outcome) {
            if (down) {
                throw new StoreUnavailableException("token store down (test)", null);
            }
            super.completeConsent(consent, grant, outcome);
        }

        @Override
        public java.util.Optional<PendingConsent> claimConsent(String stateDigest, String claimant,
                                                               java.time.Instant now, java.time.Instant until) {
            if (claimsDown) {
                throw new StoreUnavailableException("token store down (test)", null);
            }
            return super.claimConsent(stateDigest, claimant, now, until);
        }
    }

    @BeforeAll
    static void startIdp() {
        idp = TestIdp.start();
    }

    @AfterAll
    static void stopIdp() {
        idp.close();
    }

    @AfterEach
    void close() {
        broker.close();
    }

    void open() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent").clientSecret("s3cret")
                        .defaultScopes("openid").build())
                .loopbackCallback().tokenStore(store).clock(clock).build();
        idp.drainRequests();
    }

    ConsentRequirement consentFor(String user) {
        return ((TokenResult.ConsentRequired) broker.token(TokenRequest.forUser("corp", user))).consent();
    }

    @Test
    void callbackWhenTheStoreFailsAfterRedemptionThenSavePendingWaitersServedAndSavedOnceBack() throws Exception {
        open();
        ConsentRequirement consent = consentFor("alice");
        CompletableFuture<AccessToken> waiter = broker.consentCompletion(consent.id());
        URI callback = browser.signIn(consent.authorizationUri(), "alice");
        store.down = true;

        HttpResponse<String> page = browser.get(callback);

        assertThat(page.statusCode()).isEqualTo(202);
        assertThat(page.body()).contains("could not save the connection yet").doesNotContain("unknown");
        AccessToken token = waiter.get(5, TimeUnit.SECONDS);
        assertThat(broker.token(TokenRequest.forUser("corp", "alice"))).isEqualTo(new TokenResult.Granted(token));
        GrantKey key = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "alice", GrantKey.SHARED, "");
        assertThat(store.find(key)).as("not stored yet").isEmpty();

        store.down = false;
        long start = System.nanoTime();
        while (store.find(key).isEmpty()) {
            assertThat(System.nanoTime() - start).as("saved in the background").isLessThan(
                    Duration.ofSeconds(10).toNanos());
            Thread.sleep(20);
        }
        System.out.println("FAULT-FIGURE grant kept during a store outage saved "
                + (System.nanoTime() - start) / 1_000_000 + " ms after the store came back");
        assertThat(store.find(key).orElseThrow().accessToken()).isEqualTo(token.value());
        assertThat(store.findConsentOutcome(consent.id())).get().extracting(ConsentOutcome::status)
                .isEqualTo(ConsentOutcome.Status.COMPLETED);
        assertThat(store.findConsent(consent.id())).as("retired with what it produced").isEmpty();
        assertThat(broker.completeConsent(callback).status()).as("the reload the page asked for")
                .isEqualTo(ConsentCallbackResult.Status.COMPLETED);
        assertThat(idp.drainTokenRequests()).as("the code was redeemed once").isEqualTo(1);
    }

    @Test
    void callbackWhenTheStoreStaysDownThenTheIssuedTokensAreRevoked() throws Exception {
        open();
        ConsentRequirement consent = consentFor("bob");
        URI callback = browser.signIn(consent.authorizationUri(), "bob");
        store.down = true;
        assertThat(broker.completeConsent(callback).status()).isEqualTo(ConsentCallbackResult.Status.SAVE_PENDING);
        idp.drainRequests();

        clock.advance(Duration.ofMinutes(11));
        long start = System.nanoTime();
        List<RecordedRequest> revocations = List.of();
        while (revocations.isEmpty()) {
            assertThat(System.nanoTime() - start).as("revoked after giving up").isLessThan(
                    Duration.ofSeconds(20).toNanos());
            Thread.sleep(100);
            revocations = idp.drainRequests().stream().filter(r -> r.getPath().contains("revoke")).toList();
        }
        assertThat(broker.token(TokenRequest.forUser("corp", "bob")))
                .as("nothing of it is served any more").isInstanceOf(TokenResult.ConsentRequired.class);
    }

    @Test
    void callbackWhenTheStoreIsDownBeforeRedemptionThenRetryableAndTheConsentStaysUsable() {
        open();
        ConsentRequirement consent = consentFor("carol");
        URI callback = browser.signIn(consent.authorizationUri(), "carol");
        store.claimsDown = true;
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> broker.completeConsent(callback)))
                .isInstanceOfSatisfying(StoreUnavailableException.class, e -> assertThat(e.retryable()).isTrue());
        store.claimsDown = false;
        assertThat(idp.drainTokenRequests()).as("nothing redeemed").isZero();
        assertThat(broker.completeConsent(callback).status()).isEqualTo(ConsentCallbackResult.Status.COMPLETED);
    }
}
