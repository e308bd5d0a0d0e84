package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.internal.SingleFlight;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

    @Test
    void scopesWhenParsedFromSpacesOrCommasThenSortedSet() {
        assertThat(Scopes.parse("repo,gist  read:user")).isEqualTo(Scopes.of("gist", "read:user", "repo"));
        assertThat(Scopes.parse(" ")).isEqualTo(Scopes.NONE);
        assertThat(Scopes.of("b", "a").join(",")).isEqualTo("a,b");
    }

    @Test
    void scopesWhenUnionThenSupersetSatisfies() {
        Scopes granted = Scopes.of("read");
        Scopes union = granted.union(Scopes.of("write"));
        assertThat(union.containsAll(granted)).isTrue();
        assertThat(granted.containsAll(union)).isFalse();
        assertThat(granted.union(Scopes.NONE)).isSameAs(granted);
    }

    @Test
    void scopesWhenInvalidTokenThenRfcError() {
        assertThatThrownBy(() -> Scopes.of("has space")).hasMessageContaining("RFC 6749 §3.3");
        assertThatThrownBy(() -> Scopes.of("quote\"")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void providerIdWhenInvalidThenExplains() {
        assertThatThrownBy(() -> ProviderId.of("Git Hub")).hasMessageContaining("lower-case");
    }

    @Test
    void tokenRequestWhenUserConsentWithoutUserThenRejected() {
        assertThatThrownBy(() -> TokenRequest.builder().provider("github").principal(Principal.agent("a")).build())
                .hasMessageContaining("needs a principal with a user");
    }

    @Test
    void providerBuilderWhenIncompleteThenConfigurationErrors() {
        assertThatThrownBy(() -> Provider.oauth2("x").tokenEndpoint("https://x/token").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("client id");
        assertThatThrownBy(() -> Provider.oauth2("x").clientId("c").build())
                .hasMessageContaining("issuer").hasMessageContaining("token endpoint");
        assertThatThrownBy(() -> Provider.oauth2("x").clientId("c").tokenEndpoint("https://x/token")
                .clientAuthMethod(ClientAuthMethod.CLIENT_SECRET_BASIC).build()).hasMessageContaining("client secret");
        assertThatThrownBy(() -> Provider.oauth2("x").clientId("c").tokenEndpoint("https://x/token").pkce(false)
                .build()).hasMessageContaining("PKCE");
        assertThatThrownBy(() -> Provider.apiKey("k").tokenEndpoint("https://x/token").build())
                .hasMessageContaining("API-key provider");
        assertThatThrownBy(() -> Provider.oauth2("x").authorizationParameter("state", "fixed"))
                .hasMessageContaining("set by the broker");
    }

    @Test
    void providerWhenPrintedThenSecretsRedacted() {
        Provider p = Provider.oauth2("x").clientId("c").clientSecret("hunter2-secret").tokenEndpoint("https://x/t")
                .build();
        assertThat(p.toString()).contains("clientSecret=redacted").doesNotContain("hunter2-secret");
        assertThat(Secret.of("hunter2-secret").toString()).doesNotContain("hunter2");
        assertThat(new AccessToken("tok-value-1", "Bearer", Scopes.NONE, null, ProviderId.of("x")).toString())
                .doesNotContain("tok-value-1");
    }

    @Test
    void presetsWhenBuiltThenEndpointsAndQuirksSet() {
        Provider github = ProviderPresets.github().clientId("id").clientSecret("s").build();
        assertThat(github.tokenEndpoint()).hasValueSatisfying(u -> assertThat(u.toString())
                .isEqualTo("https://github.com/login/oauth/access_token"));
        assertThat(github.clientAuthMethod()).isEqualTo(ClientAuthMethod.CLIENT_SECRET_POST);
        Provider slack = ProviderPresets.slackUser().clientId("id").clientSecret("s").build();
        assertThat(slack.scopeDelimiter()).isEqualTo(",");
        assertThat(slack.scopeParameter()).isEqualTo("user_scope");
        assertThat(slack.tokenResponseFormat()).isEqualTo(Provider.TokenResponseFormat.SLACK);
        Provider entra = ProviderPresets.microsoft("contoso.onmicrosoft.com").clientId("id").clientSecret("s").build();
        assertThat(entra.tokenEndpoint().orElseThrow().toString())
                .isEqualTo("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
        assertThat(entra.defaultScopes()).isEqualTo(Scopes.of("offline_access"));
        assertThat(ProviderPresets.google().clientId("id").clientSecret("s").build().authorizationParameters())
                .containsEntry("access_type", "offline").containsEntry("prompt", "consent");
        assertThat(ProviderPresets.coze().clientId("id").build().clientAuthMethod()).isEqualTo(ClientAuthMethod.NONE);
        assertThat(ProviderPresets.feishu().clientId("id").clientSecret("s").build().tokenRequestFormat())
                .isEqualTo(Provider.TokenRequestFormat.JSON);
        for (String name : ProviderPresets.names()) {
            assertThat(ProviderPresets.byName(name, "p")).isPresent();
        }
        assertThat(ProviderPresets.byName("nope", "p")).isEmpty();
    }

    @Test
    void builderWhenOptionSetTwiceThenFails() {
        TokenBrokerBuilder b = TokenBroker.builder().clockSkew(Duration.ofSeconds(5));
        assertThatThrownBy(() -> b.clockSkew(Duration.ofSeconds(6))).hasMessageContaining("already set");
        assertThatThrownBy(() -> TokenBroker.builder().consentTtl(Duration.ZERO)).hasMessageContaining("positive");
        assertThatThrownBy(() -> TokenBroker.builder().redirectUri(java.net.URI.create("http://x/cb"))
                .loopbackCallback().build()).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void singleFlightWhenConcurrentCallersThenOneExecutionSharedOutcome() throws Exception {
        SingleFlight<String, Integer> flight = new SingleFlight<>();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Future<Integer> leader = pool.submit(() -> flight.run("k", () -> {
            runs.incrementAndGet();
            inside.countDown();
            await(release);
            return 42;
        }));
        inside.await();
        java.util.List<Future<Integer>> followers = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            followers.add(pool.submit(() -> flight.run("k", () -> {
                runs.incrementAndGet();
                return -1;
            })));
        }
        while (!flight.isRunning("k")) {
            Thread.onSpinWait();
        }
        Thread.sleep(50); // give followers time to join; correctness does not depend on it
        release.countDown();

        assertThat(leader.get()).isEqualTo(42);
        for (Future<Integer> f : followers) {
            assertThat(f.get()).isIn(42, -1);
        }
        assertThat(flight.isRunning("k")).isFalse();
        pool.shutdown();
    }

    @Test
    void singleFlightWhenWorkThrowsThenExceptionPropagatesAndKeyFreed() {
        SingleFlight<String, Integer> flight = new SingleFlight<>();
        assertThatThrownBy(() -> flight.run("k", () -> {
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        assertThat(flight.run("k", () -> 1)).isEqualTo(1);
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
