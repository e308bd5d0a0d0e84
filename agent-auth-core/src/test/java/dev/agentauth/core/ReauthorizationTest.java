package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.core.Reauthorization.Outcome;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one 401/403 policy of tools and MCP servers, against a real broker and identity provider, for two limit
 * settings: the default (1 refresh, 3 consents) and a strict one (no refresh, 1 consent).
 */
class ReauthorizationTest {

    static TestIdp idp;
    final ScriptedBrowser browser = new ScriptedBrowser();
    TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = TestIdp.start();
    }

    @AfterAll
    static void stop() {
        idp.close();
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    void broker() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("reauth-client")
                        .clientSecret("reauth-secret").defaultScopes("openid").build())
                .loopbackCallback().build();
    }

    AccessToken connect(String user) {
        TokenResult r = broker.token(TokenRequest.forUser("corp", user));
        browser.authorize(((TokenResult.ConsentRequired) r).consent().authorizationUri(), user);
        return broker.tokenOrThrow(TokenRequest.forUser("corp", user));
    }

    static TokenResult retried(Outcome outcome) {
        assertThat(outcome).isInstanceOf(Outcome.Retry.class);
        return ((Outcome.Retry) outcome).result();
    }

    @ParameterizedTest(name = "maxRefreshes={0}, maxAuthorizations={1}")
    @CsvSource({"1, 3", "0, 1"})
    void userTokenWhenRejectedThenRefreshesUpToTheLimitThenConsentsUpToTheLimitThenGivesUp(int refreshes,
                                                                                       int authorizations) {
        broker();
        Reauthorization policy = Reauthorization.of(refreshes, authorizations);
        AccessToken token = connect("alice");
        Reauthorization.Attempt attempt = policy.begin(broker, TokenRequest.forUser("corp", "alice"), "alice|op");
        assertThat(attempt.token()).isEqualTo(new TokenResult.Granted(token));

        for (int i = 0; i < refreshes; i++) {
            TokenResult refreshed = retried(attempt.rejected(token, Scopes.NONE));
            assertThat(((TokenResult.Granted) refreshed).token().value()).isNotEqualTo(token.value());
            token = ((TokenResult.Granted) refreshed).token();
        }
        for (int i = 0; i < authorizations; i++) {
            assertThat(retried(attempt.rejected(token, Scopes.NONE))).isInstanceOf(TokenResult.ConsentRequired.class);
        }
        Outcome last = attempt.rejected(token, Scopes.NONE);
        String lastToken = token.value();

        assertThat(last).isInstanceOfSatisfying(Outcome.GiveUp.class, g -> {
            assertThat(g.exhausted()).isTrue();
            assertThat(g.reason()).contains("after " + authorizations + " authorization(s)")
                    .doesNotContain(lastToken);
        });
    }

    @ParameterizedTest(name = "maxAuthorizations={0}")
    @CsvSource({"3", "1"})
    void userTokenWhenInsufficientScopeThenStepUpForTheUnionCountedAcrossAttemptsAndResetBySuccess(int limit) {
        broker();
        Reauthorization policy = Reauthorization.of(1, limit);
        AccessToken token = connect("bob");
        for (int i = 0; i < limit; i++) {
            Reauthorization.Attempt attempt = policy.begin(broker, TokenRequest.forUser("corp", "bob"), "bob|op");
            assertThat(attempt.token()).isInstanceOf(TokenResult.Granted.class);
            TokenResult stepUp = retried(attempt.insufficientScope(token, Scopes.of("write")));
            assertThat(stepUp).isInstanceOfSatisfying(TokenResult.ConsentRequired.class,
                    c -> assertThat(c.consent().scopes().values()).contains("openid", "write"));
            assertThat(attempt.request().scopes().values()).contains("write");
        }
        Reauthorization.Attempt again = policy.begin(broker, TokenRequest.forUser("corp", "bob"), "bob|op");
        again.token();
        assertThat(again.insufficientScope(token, Scopes.of("write"))).isInstanceOfSatisfying(Outcome.GiveUp.class,
                g -> assertThat(g.exhausted()).isTrue());

        // A success resets the count: the next refusal may ask the user again.
        again.succeeded();
        assertThat(policy.begin(broker, TokenRequest.forUser("corp", "bob"), "bob|op")
                .insufficientScope(token, Scopes.of("write"))).isInstanceOf(Outcome.Retry.class);
    }

    @Test
    void agentTokenWhenRejectedTwiceOrShortOfScopesThenGivesUpWithoutAskingAnyone() {
        broker();
        Reauthorization.Attempt attempt = Reauthorization.defaults().begin(broker,
                TokenRequest.forAgent("corp", "reports"), "agent|op");
        AccessToken token = ((TokenResult.Granted) attempt.token()).token();

        AccessToken renewed = ((TokenResult.Granted) retried(attempt.rejected(token, Scopes.NONE))).token();
        assertThat(renewed.value()).isNotEqualTo(token.value());
        assertThat(attempt.rejected(renewed, Scopes.NONE)).isInstanceOfSatisfying(Outcome.GiveUp.class, g -> {
            assertThat(g.exhausted()).isFalse();
            assertThat(g.reason()).contains("no user can fix");
        });
        assertThat(attempt.insufficientScope(renewed, Scopes.of("admin"))).isInstanceOfSatisfying(
                Outcome.GiveUp.class, g -> assertThat(g.reason()).contains("[admin]"));
    }

    /** A {@link Reauthorization.Call} that answers with {@code api} and records what the driver tells it. */
    static final class ScriptedCall implements Reauthorization.Call<String> {
        final java.util.function.Function<AccessToken, String> api;
        final java.util.List<TokenRequest> widened = new java.util.ArrayList<>();
        int calls;

        ScriptedCall(java.util.function.Function<AccessToken, String> api) {
            this.api = api;
        }

        @Override
        public String attempt(AccessToken token, TokenRequest request) throws Reauthorization.Refused {
            calls++;
            String answer = api.apply(token);
            if ("401".equals(answer)) {
                throw Reauthorization.Refused.unauthorized(null);
            }
            if ("403".equals(answer)) {
                throw Reauthorization.Refused.insufficientScope(Scopes.of("write"));
            }
            return answer;
        }

        @Override
        public java.util.Optional<AccessToken> consent(ConsentRequirement consent) {
            return java.util.Optional.empty();
        }

        @Override
        public String unconsented(ConsentRequirement consent) {
            return "consent " + consent.scopes().values();
        }

        @Override
        public String gaveUp(Outcome.GiveUp why) {
            return "gave up" + (why.exhausted() ? " (exhausted)" : "");
        }

        @Override
        public void widened(TokenRequest request) {
            widened.add(request);
        }
    }

    @Test
    void runWhenApiNeedsMoreScopeThenTheWidenedRequestIsReportedBeforeTheStepUpConsent() {
        broker();
        connect("carol");
        ScriptedCall call = new ScriptedCall(token -> "403");

        String answer = Reauthorization.defaults().run(broker, TokenRequest.forUser("corp", "carol"), "carol|op", call);

        assertThat(answer).startsWith("consent").contains("write");
        assertThat(call.calls).isEqualTo(1);
        assertThat(call.widened).singleElement()
                .satisfies(r -> assertThat(r.scopes().values()).contains("openid", "write"));
    }

    /**
     * An answer that is neither success nor refusal (here: an exception of the caller's own) ends the run as it is:
     * nothing refreshed, the operation's consent count kept (no success reset it), so the next refusal gives up.
     */
    @Test
    void runWhenCallThrowsSomethingElseThenTheRunEndsWithoutRefreshOrResetOfTheCount() {
        broker();
        connect("dan");
        Reauthorization policy = Reauthorization.of(1, 1);
        TokenRequest request = TokenRequest.forUser("corp", "dan");
        assertThat(policy.run(broker, request, "dan|op", new ScriptedCall(t -> "401"))).startsWith("consent");
        String refreshed = broker.tokenOrThrow(request).value();

        assertThatThrownBy(() -> policy.run(broker, request, "dan|op", new ScriptedCall(t -> {
            throw new IllegalStateException("moved elsewhere");
        }))).hasMessage("moved elsewhere");
        assertThat(broker.tokenOrThrow(request).value()).as("not refreshed").isEqualTo(refreshed);

        assertThat(policy.run(broker, request, "dan|op", new ScriptedCall(t -> "401")))
                .isEqualTo("gave up (exhausted)");
        assertThat(policy.run(broker, request, "dan|op", new ScriptedCall(t -> "ok"))).isEqualTo("ok");
    }

    @Test
    void ofWhenLimitsOutOfRangeThenRefused() {
        assertThatThrownBy(() -> Reauthorization.of(-1, 3)).hasMessageContaining("maxRefreshes");
        assertThatThrownBy(() -> Reauthorization.of(1, 0)).hasMessageContaining("maxAuthorizations");
    }
}
