package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

    @Test
    void providerToBuilderWhenRebuiltThenEqualAndIndependentOfTheOriginal() {
        Provider p = Provider.oauth2("sso").displayName("SSO").issuer("https://sso.example.com").clientId("agent")
                .clientSecret("secret").defaultScopes("openid").deviceAuthorization(true).dpop(true)
                .scopeDescription("notes.read", "Read your notes").authorizationParameter("prompt", "consent").build();
        assertThat(p.toBuilder().build()).isEqualTo(p);
        Provider changed = p.toBuilder().scopeDescription("notes.write", "Add notes").deviceAuthorization(false).build();
        assertThat(changed.deviceAuthorization()).isFalse();
        assertThat(p.deviceAuthorization()).isTrue();
        assertThat(p.scopeDescription("notes.write")).isEmpty();
        assertThat(changed.scopeDescription("notes.read")).contains("Read your notes");
    }

    @Test
    void scopesWhenParsedFromSpacesOrCommasThenSortedSet() {
        assertThat(Scopes.parse("repo,gist  read:user")).isEqualTo(Scopes.of("gist", "read:user", "repo"));
        assertThat(Scopes.parse(" ")).isEqualTo(Scopes.NONE);
        assertThat(Scopes.of("b", "a").join(",")).isEqualTo("a,b");
    }

    @Test
    void idsAndScopesFromConstantsThenOneSharedInstanceEach() {
        assertThat(ProviderId.of("corp")).isSameAs(ProviderId.of("corp")).isEqualTo(new ProviderId("corp"));
        assertThat(Scopes.of("repo", "openid")).isSameAs(Scopes.of("repo", "openid"))
                .isEqualTo(Scopes.of("openid", "repo")).isEqualTo(Scopes.parse("openid repo"));
        String[] reused = {"a", "b"};
        Scopes first = Scopes.of(reused);
        reused[1] = "c"; // the caller's array changed afterwards: the shared instance is not
        assertThat(first.values()).containsExactly("a", "b");
        assertThat(Scopes.of(reused).values()).containsExactly("a", "c");
        for (int i = 0; i < 2; i++) { // a refused value is refused every time: nothing of it is kept
            assertThatThrownBy(() -> ProviderId.of("Bad Id")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Scopes.of("ok", "bad\"scope")).isInstanceOf(IllegalArgumentException.class);
        }
        for (int i = 0; i < 1_000; i++) { // beyond what is kept, values are made anew and still equal
            assertThat(ProviderId.of("p" + i)).isEqualTo(ProviderId.of("p" + i));
            assertThat(Scopes.of("s" + i)).isEqualTo(Scopes.of("s" + i));
        }
    }

    @Test
    void requestsThatDifferInAnyComponentThenUnequalAndEqualOnesHashAlike() {
        TokenRequest base = TokenRequest.forUser("corp", "alice", "openid", "repo");
        TokenRequest same = new TokenRequest(new ProviderId("corp"), Scopes.parse("repo openid"),
                Principal.user(new String("alice")), Flow.USER_CONSENT, false, false, null, null, null);
        assertThat(same).isEqualTo(base).hasSameHashCodeAs(base);
        Approval pay = Approval.of("pay-42", new com.nimbusds.oauth2.sdk.rar.AuthorizationDetail.Builder(
                new com.nimbusds.oauth2.sdk.rar.AuthorizationType("payment_initiation")).build());
        for (TokenRequest other : java.util.List.of(TokenRequest.forUser("other", "alice", "openid", "repo"),
                TokenRequest.forUser("corp", "bob", "openid", "repo"), TokenRequest.forUser("corp", "alice", "openid"),
                TokenRequest.forUser("corp", "alice", "openid", "repo").withForceConsent(true),
                base.withScopes(Scopes.NONE), TokenRequest.builder().provider("corp").principal(Principal.of("alice",
                        "other-agent")).scopes("openid", "repo").build(),
                TokenRequest.builder().provider("corp").principal(Principal.user("alice")).scopes("openid", "repo")
                        .agentScoped(true).build(),
                TokenRequest.builder().provider("corp").principal(Principal.user("alice")).scopes("openid", "repo")
                        .flow(Flow.USER_APPROVAL).approval(pay).build(),
                TokenRequest.builder().provider("corp").principal(Principal.user("alice")).flow(Flow.TOKEN_EXCHANGE)
                        .subjectProvider(ProviderId.of("idp")).audience("api").build())) {
            assertThat(other).isNotEqualTo(base);
            assertThat(base).isNotEqualTo(other);
        }
        assertThat(Principal.agent("a")).isNotEqualTo(Principal.of("a", "a")).isEqualTo(Principal.agent("a"))
                .hasSameHashCodeAs(Principal.agent("a"));
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
}
