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
