package dev.agentauth.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.core.ClientAuthMethod;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderBuilder;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.ProviderPresets;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentAuthConfigTest {

    private static final String CORP_SECRET = "s3cr3t-corp-value-0xCAFE";
    private static final String GITHUB_SECRET = "gh-secret-value-0xBEEF";
    private static final String WEATHER_KEY = "weather-key-value-0xF00D";

    private static final Function<String, String> NO_ENV = name -> null;

    private static Function<String, String> env(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map::get;
    }

    private static String yaml(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    private static ConfigurationException parseError(String yaml, Function<String, String> env) {
        return catchThrowableOfType(ConfigurationException.class, () -> AgentAuthConfig.parse(yaml, env));
    }

    private static Provider provider(AgentAuthConfig config, String id) {
        return config.providers().stream().filter(p -> p.id().value().equals(id)).findFirst().orElseThrow();
    }

    /** The message and every cause's message, which is what a log would print. */
    private static String everything(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
            for (Throwable s : c.getSuppressed()) {
                sb.append(s).append('\n');
            }
        }
        return sb.toString();
    }

    // ---- valid files --------------------------------------------------------------------------------------------

    @Test
    void parseWhenEveryFieldIsSetThenEveryFieldIsRead() {
        String yaml = yaml(
                "broker:",
                "  clock-skew: 30s",
                "  consent-ttl: PT15M",
                "  connect-timeout: 500ms",
                "  read-timeout: ${READ_TIMEOUT:-20s}",
                "  redirect-uri: https://app.example.com/oauth/callback",
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: ${CORP_ISSUER:-https://idp.example.com}",
                "    display-name: Corp SSO",
                "    client-id: ${CORP_CLIENT_ID}",
                "    client-secret: ${CORP_SECRET}",
                "    client-auth: client_secret_post",
                "    authorization-endpoint: https://idp.example.com/authorize",
                "    token-endpoint: https://idp.example.com/token",
                "    revocation-endpoint: https://idp.example.com/revoke",
                "    scopes: openid profile ${EXTRA_SCOPE:-email}",
                "    authorization-params: { access_type: offline, prompt: \"${PROMPT:-consent}\" }",
                "    pkce: false",
                "    scope-delimiter: \",\"",
                "    require-iss: \"${REQUIRE_ISS:-true}\"",
                "    default-token-lifetime: 1h");

        AgentAuthConfig config = AgentAuthConfig.parse(yaml,
                env("CORP_CLIENT_ID", "agent", "CORP_SECRET", CORP_SECRET, "EXTRA_SCOPE", ""));

        assertThat(config.clockSkew()).contains(Duration.ofSeconds(30));
        assertThat(config.consentTtl()).contains(Duration.ofMinutes(15));
        assertThat(config.connectTimeout()).contains(Duration.ofMillis(500));
        assertThat(config.readTimeout()).contains(Duration.ofSeconds(20));
        assertThat(config.redirectUri()).contains(URI.create("https://app.example.com/oauth/callback"));
        assertThat(config.loopbackPort()).isEmpty();
        assertThat(config.loopbackPath()).isEmpty();

        assertThat(config.providers()).hasSize(1);
        Provider corp = config.providers().get(0);
        assertThat(corp.id()).isEqualTo(ProviderId.of("corp"));
        assertThat(corp.kind()).isEqualTo(Provider.Kind.OAUTH2);
        assertThat(corp.issuer()).contains(URI.create("https://idp.example.com"));
        assertThat(corp.displayName()).isEqualTo("Corp SSO");
        assertThat(corp.clientId()).isEqualTo("agent");
        assertThat(corp.clientSecret()).contains(Secret.of(CORP_SECRET));
        assertThat(corp.clientAuthMethod()).isEqualTo(ClientAuthMethod.CLIENT_SECRET_POST);
        assertThat(corp.authorizationEndpoint()).contains(URI.create("https://idp.example.com/authorize"));
        assertThat(corp.tokenEndpoint()).contains(URI.create("https://idp.example.com/token"));
        assertThat(corp.revocationEndpoint()).contains(URI.create("https://idp.example.com/revoke"));
        // EXTRA_SCOPE is set but empty: ":-" falls back to the default, as in the shell
        assertThat(corp.defaultScopes()).isEqualTo(Scopes.of("openid", "profile", "email"));
        assertThat(corp.authorizationParameters()).containsExactly(
                Map.entry("access_type", "offline"), Map.entry("prompt", "consent"));
        assertThat(corp.pkce()).isFalse();
        assertThat(corp.scopeDelimiter()).isEqualTo(",");
        assertThat(corp.issuerParameterRequired()).contains(true);
        assertThat(corp.defaultTokenLifetime()).contains(Duration.ofHours(1));
    }

    @Test
    void parseWhenDpopAndWorkloadIdentityFileThenBothAreSet() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "providers:",
                "  wif:",
                "    type: oauth2",
                "    token-endpoint: http://127.0.0.1:8080/token",
                "    client-id: reporter",
                "    dpop: true",
                "    workload-identity-file: /var/run/secrets/tokens/agent"), env());

        Provider wif = provider(config, "wif");
        assertThat(wif.dpop()).isTrue();
        assertThat(wif.workloadIdentity()).isPresent();
    }

    @Test
    void parseWhenDeviceAuthorizationThenTheProviderUsesDeviceCodes() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "providers:",
                "  sso:",
                "    type: oidc",
                "    issuer: https://sso.example.com/realms/corp",
                "    client-id: cli-agent",
                "    device-authorization: true",
                "  other:",
                "    type: oauth2",
                "    token-endpoint: https://idp.example.com/token",
                "    client-id: x",
                "    device-authorization-endpoint: https://idp.example.com/device"), env());

        assertThat(provider(config, "sso").deviceAuthorization()).isTrue();
        assertThat(provider(config, "other").deviceAuthorization()).isTrue();
        assertThat(provider(config, "other").deviceAuthorizationEndpoint())
                .contains(URI.create("https://idp.example.com/device"));
    }

    @Test
    void parseWhenOauth2TypeWithListScopesThenBuiltWithoutIssuer() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "providers:",
                "  m2m:",
                "    type: oauth2",
                "    token-endpoint: http://127.0.0.1:8080/token",
                "    client-id: 12345",
                "    client-secret: ${M2M_SECRET}",
                "    scopes:",
                "      - read",
                "      - \"${WRITE_SCOPE}\""), env("M2M_SECRET", "x", "WRITE_SCOPE", "write"));

        Provider m2m = provider(config, "m2m");
        assertThat(m2m.issuer()).isEmpty();
        assertThat(m2m.tokenEndpoint()).contains(URI.create("http://127.0.0.1:8080/token"));
        assertThat(m2m.clientId()).isEqualTo("12345");
        assertThat(m2m.clientAuthMethod()).isEqualTo(ClientAuthMethod.CLIENT_SECRET_BASIC);
        assertThat(m2m.defaultScopes()).isEqualTo(Scopes.of("read", "write"));
        assertThat(m2m.pkce()).isTrue();
        assertThat(config.clockSkew()).isEmpty();
        assertThat(config.redirectUri()).isEmpty();
    }

    @Test
    void parseWhenLoopbackCallbackThenPortAndPathAreRead() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "broker:",
                "  loopback-callback: { port: \"${PORT:-8765}\", path: /oauth/cb }"), NO_ENV);

        assertThat(config.loopbackPort()).contains(8765);
        assertThat(config.loopbackPath()).contains("/oauth/cb");
        assertThat(config.redirectUri()).isEmpty();
        assertThat(config.providers()).isEmpty();
    }

    @Test
    void parseWhenLoopbackCallbackIsEmptyThenDefaultsApply() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml("broker:", "  loopback-callback: {}"), NO_ENV);

        assertThat(config.loopbackPort()).contains(0);
        assertThat(config.loopbackPath()).contains("/callback");
    }

    @Test
    void parseWhenPresetWithOverridesThenPresetIsAdjusted() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "providers:",
                "  github:",
                "    preset: github",
                "    client-id: ${GITHUB_CLIENT_ID}",
                "    client-secret: ${GITHUB_CLIENT_SECRET}",
                "    scopes: [repo, \"read:user\"]",
                "  work-google:",
                "    preset: google",
                "    display-name: Work Google",
                "    client-id: g",
                "    client-secret: gs",
                "    token-endpoint: https://proxy.example.com/token",
                "    authorization-params: { hd: example.com }"),
                env("GITHUB_CLIENT_ID", "Iv1.abc", "GITHUB_CLIENT_SECRET", GITHUB_SECRET));

        assertThat(config.providers()).extracting(p -> p.id().value()).containsExactly("github", "work-google");
        Provider github = provider(config, "github");
        Provider expected = ProviderPresets.github().clientId("Iv1.abc").clientSecret(GITHUB_SECRET).build();
        assertThat(github.authorizationEndpoint()).isEqualTo(expected.authorizationEndpoint());
        assertThat(github.tokenEndpoint()).isEqualTo(expected.tokenEndpoint());
        assertThat(github.clientAuthMethod()).isEqualTo(expected.clientAuthMethod());
        assertThat(github.displayName()).isEqualTo(expected.displayName());
        assertThat(github.clientId()).isEqualTo("Iv1.abc");
        assertThat(github.clientSecret()).contains(Secret.of(GITHUB_SECRET));
        assertThat(github.defaultScopes()).isEqualTo(Scopes.of("repo", "read:user"));

        Provider google = provider(config, "work-google");
        Provider googlePreset = ProviderPresets.google().clientId("g").clientSecret("gs").build();
        assertThat(google.displayName()).isEqualTo("Work Google");
        assertThat(google.tokenEndpoint()).contains(URI.create("https://proxy.example.com/token"));
        assertThat(google.authorizationEndpoint()).isEqualTo(googlePreset.authorizationEndpoint());
        assertThat(google.revocationEndpoint()).isEqualTo(googlePreset.revocationEndpoint());
        assertThat(google.authorizationParameters())
                .containsAllEntriesOf(googlePreset.authorizationParameters())
                .containsEntry("hd", "example.com");
    }

    @Test
    void parseWhenMicrosoftPresetWithTenantThenTenantEndpointsUnderTheYamlId() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "providers:",
                "  entra:",
                "    preset: microsoft",
                "    tenant: contoso.onmicrosoft.com",
                "    client-id: app",
                "    client-secret: pw",
                "  entra-common:",
                "    preset: microsoft",
                "    client-id: app",
                "    client-secret: pw"), NO_ENV);

        Provider entra = provider(config, "entra");
        Provider expected = ProviderPresets.microsoft("contoso.onmicrosoft.com").clientId("app").clientSecret("pw")
                .build();
        assertThat(entra.id()).isEqualTo(ProviderId.of("entra"));
        assertThat(entra.authorizationEndpoint()).isEqualTo(expected.authorizationEndpoint());
        assertThat(entra.tokenEndpoint()).isEqualTo(expected.tokenEndpoint());
        assertThat(entra.defaultScopes()).isEqualTo(expected.defaultScopes());
        assertThat(provider(config, "entra-common").tokenEndpoint())
                .isEqualTo(ProviderPresets.microsoft("common").clientId("app").clientSecret("pw").build()
                        .tokenEndpoint());
    }

    @Test
    void parseWhenApiKeyProviderThenKeyIsSecretAndOptional() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "providers:",
                "  weather:",
                "    type: api-key",
                "    display-name: Weather API",
                "    api-key: ${WEATHER_API_KEY}",
                "  maps:",
                "    type: api-key",
                "    api-key: ${MAPS_API_KEY:-}"), env("WEATHER_API_KEY", WEATHER_KEY));

        Provider weather = provider(config, "weather");
        assertThat(weather.kind()).isEqualTo(Provider.Kind.API_KEY);
        assertThat(weather.displayName()).isEqualTo("Weather API");
        assertThat(weather.apiKey()).contains(Secret.of(WEATHER_KEY));
        assertThat(weather.toString()).doesNotContain(WEATHER_KEY);

        Provider maps = provider(config, "maps");
        assertThat(maps.apiKey()).isEmpty(); // ${VAR:-} with VAR unset: per-user keys only
        assertThat(maps.displayName()).isEqualTo("maps");
    }

    @Test
    void parseWhenValuesLookLikeNumbersThenTheyAreKeptAsWritten() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "providers:",
                "  slack:",
                "    preset: slack",
                "    client-id: 1234567890.1234567890120",
                "    client-secret: 0123",
                "  pin:",
                "    type: api-key",
                "    display-name: 0x1F",
                "    api-key: 1_000"), NO_ENV);

        assertThat(provider(config, "slack").clientId()).isEqualTo("1234567890.1234567890120");
        assertThat(provider(config, "slack").clientSecret()).contains(Secret.of("0123"));
        assertThat(provider(config, "pin").displayName()).isEqualTo("0x1F");
        assertThat(provider(config, "pin").apiKey()).contains(Secret.of("1_000"));
    }

    @Test
    void parseWhenTabIndentsThenErrorPointsAtTheTab() {
        ConfigurationException e = parseError("providers:\n\tcorp: {}\n", NO_ENV);

        assertThat(e).hasMessageStartingWith("<string>: not valid YAML at line 2, column 1");
    }

    @Test
    void parseWhenDollarDollarBraceThenLiteralDollarBrace() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "providers:",
                "  weird:",
                "    type: api-key",
                "    display-name: \"costs $$5 and $${NOT_A_VAR} and ${UNIT:-EUR}\""), NO_ENV);

        assertThat(provider(config, "weird").displayName()).isEqualTo("costs $$5 and ${NOT_A_VAR} and EUR");
    }

    @Test
    void parseWhenVariableValueLooksLikeYamlThenItIsTakenLiterally() {
        AgentAuthConfig config = AgentAuthConfig.parse(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com",
                "    client-id: ${ID}"), env("ID", "a: b\n  type: api-key"));

        assertThat(provider(config, "corp").clientId()).isEqualTo("a: b\n  type: api-key");
    }

    // ---- loading from files -------------------------------------------------------------------------------------

    @Test
    void loadWhenFileExistsThenProvidersAreRead(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, yaml(
                "providers:",
                "  github:",
                "    preset: github",
                "    client-id: id",
                "    client-secret: ${GITHUB_CLIENT_SECRET}"), StandardCharsets.UTF_8);

        AgentAuthConfig config = AgentAuthConfig.load(file, env("GITHUB_CLIENT_SECRET", GITHUB_SECRET));

        assertThat(config.providers()).extracting(Provider::id).containsExactly(ProviderId.of("github"));
        assertThat(config.toString()).contains("github").doesNotContain(GITHUB_SECRET);
    }

    @Test
    void loadWhenSecretVariableUnsetThenErrorNamesPathAndVariable(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, yaml(
                "providers:",
                "  github:",
                "    preset: github",
                "    client-id: id",
                "    client-secret: ${GITHUB_CLIENT_SECRET}"), StandardCharsets.UTF_8);

        assertThatThrownBy(() -> AgentAuthConfig.load(file, NO_ENV))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith(file + ": providers.github.client-secret: environment variable"
                        + " GITHUB_CLIENT_SECRET is not set")
                .hasMessageContaining("${GITHUB_CLIENT_SECRET:-default}")
                .satisfies(e -> assertThat(((ConfigurationException) e).provider())
                        .isEqualTo(ProviderId.of("github")));
    }

    @Test
    void loadWhenFileMissingThenErrorNamesFile(@TempDir Path dir) {
        Path file = dir.resolve("missing.yaml");

        assertThatThrownBy(() -> AgentAuthConfig.load(file, NO_ENV))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith(file + ": file not found")
                .hasMessageContaining("check the path");
    }

    @Test
    void loadWhenPathIsDirectoryThenErrorSaysSo(@TempDir Path dir) {
        assertThatThrownBy(() -> AgentAuthConfig.load(dir, NO_ENV))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(dir + ": is a directory");
    }

    // ---- errors -------------------------------------------------------------------------------------------------

    @Test
    void parseWhenYamlInvalidThenErrorHasLineAndColumnButNotContent() {
        String yaml = yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    client-secret: " + CORP_SECRET,
                "  bad: [unclosed " + CORP_SECRET);

        ConfigurationException e = parseError(yaml, NO_ENV);

        assertThat(e.getMessage()).startsWith("<string>: not valid YAML at line ").contains(", column ");
        assertThat(e.getMessage()).matches("(?s).*line \\d+, column \\d+.*");
        assertThat(everything(e)).doesNotContain(CORP_SECRET).doesNotContain("unclosed");
    }

    @Test
    void parseWhenKeyIsDuplicatedThenErrorNamesKeyAndLine() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    type: oauth2"), NO_ENV);

        assertThat(e).hasMessageContaining("duplicate key 'type'").hasMessageContaining("line 4");
    }

    @Test
    void parseWhenFileIsEmptyThenErrorSaysSo() {
        assertThatThrownBy(() -> AgentAuthConfig.parse("# nothing yet\n", NO_ENV))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("<string>: the file is empty")
                .hasMessageContaining("broker and providers");
    }

    @Test
    void parseWhenTopLevelKeyUnknownThenErrorListsAllowedKeys() {
        assertThatThrownBy(() -> AgentAuthConfig.parse(yaml("provider:", "  x: {}"), NO_ENV))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("<string>: provider: unknown top-level key 'provider' (did you mean 'providers'?);"
                        + " allowed keys: broker, providers");
    }

    @Test
    void parseWhenProviderKeyMisspelledThenErrorSuggestsAndListsAllowedKeys() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com",
                "    client-id: a",
                "    clientid: ${CORP_SECRET}"), env("CORP_SECRET", CORP_SECRET));

        assertThat(e.getMessage())
                .startsWith("<string>: providers.corp.clientid: unknown key 'clientid' (did you mean 'client-id'?)")
                .contains("allowed keys for type oidc: type, display-name, client-id, client-secret")
                .doesNotContain(CORP_SECRET);
    }

    @Test
    void parseWhenBrokerKeyUnknownThenErrorListsBrokerKeys() {
        assertThatThrownBy(() -> AgentAuthConfig.parse(yaml("broker:", "  clock_skew: 5s"), NO_ENV))
                .hasMessageContaining("broker.clock_skew: unknown broker key 'clock_skew' (did you mean"
                        + " 'clock-skew'?); allowed keys: clock-skew, consent-ttl, connect-timeout, read-timeout,"
                        + " redirect-uri, loopback-callback");
    }

    @Test
    void parseWhenKeyDoesNotApplyToTypeThenErrorSaysWhichKeysDo() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  weather:",
                "    type: api-key",
                "    client-id: x"), NO_ENV);

        assertThat(e).hasMessage("<string>: providers.weather.client-id: 'client-id' does not apply to type api-key;"
                + " allowed keys: type, display-name, api-key");
    }

    @Test
    void parseWhenTenantOnOtherPresetThenError() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  github:",
                "    preset: github",
                "    tenant: common",
                "    client-id: x",
                "    client-secret: y"), NO_ENV);

        assertThat(e).hasMessageStartingWith("<string>: providers.github.tenant: 'tenant' does not apply to preset"
                + " github");
    }

    @Test
    void parseWhenTypeUnknownThenErrorListsTypes() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: saml",
                "    client-id: x"), NO_ENV);

        assertThat(e).hasMessage("<string>: providers.corp.type: unknown provider type 'saml';"
                + " allowed types: oidc, oauth2, api-key");
    }

    @Test
    void parseWhenPresetUnknownThenErrorListsPresets() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  gh:",
                "    preset: gitlab",
                "    client-id: x"), NO_ENV);

        assertThat(e.getMessage()).startsWith("<string>: providers.gh.preset: unknown preset 'gitlab'; known presets: ");
        for (String name : ProviderPresets.names()) {
            assertThat(e.getMessage()).contains(name);
        }
    }

    @Test
    void parseWhenTypeAndPresetBothSetThenError() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  github:",
                "    type: oauth2",
                "    preset: github",
                "    client-id: x"), NO_ENV);

        assertThat(e).hasMessage("<string>: providers.github: set either 'type' or 'preset', not both"
                + " (a preset already fixes the type)");
    }

    @Test
    void parseWhenNeitherTypeNorPresetThenErrorListsBoth() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    client-id: x"), NO_ENV);

        assertThat(e.getMessage()).startsWith("<string>: providers.corp: set 'type' (oidc, oauth2, api-key) or"
                + " 'preset' (").contains("github");
    }

    @Test
    void parseWhenOidcLacksIssuerAndClientIdThenBothAreRequired() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oidc"), NO_ENV);

        assertThat(e.getMessage())
                .contains("<string>: providers.corp.client-id: is required")
                .contains("<string>: providers.corp.issuer: is required");
    }

    @Test
    void parseWhenOauth2LacksTokenEndpointThenItIsRequired() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oauth2",
                "    client-id: x",
                "    authorization-endpoint: https://idp.example.com/authorize"), NO_ENV);

        assertThat(e).hasMessageStartingWith("<string>: providers.corp.token-endpoint: is required");
    }

    @Test
    void parseWhenPresetLacksClientIdThenItIsRequired() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  slack:",
                "    preset: slack"), NO_ENV);

        assertThat(e).hasMessageStartingWith("<string>: providers.slack.client-id: is required");
    }

    @Test
    void parseWhenProviderIdInvalidThenErrorExplainsTheRules() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  GitHub:",
                "    preset: github",
                "    client-id: x",
                "    client-secret: y"), NO_ENV);

        assertThat(e).hasMessage("<string>: providers.GitHub: 'GitHub' is not a valid provider id: use 1-64"
                + " lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
    }

    @Test
    void parseWhenDurationInvalidThenErrorShowsFormatsButNotValue() {
        ConfigurationException e = parseError(yaml(
                "broker:",
                "  clock-skew: 60",
                "  consent-ttl: ten minutes",
                "  read-timeout: 0s",
                "  connect-timeout: -PT1S"), NO_ENV);

        assertThat(e.getMessage())
                .contains("<string>: broker.clock-skew: is not a duration; use ISO-8601 (PT60S) or a whole number"
                        + " with a unit: 500ms, 60s, 10m, 1h")
                .contains("<string>: broker.consent-ttl: is not a duration")
                .contains("<string>: broker.read-timeout: must be positive")
                .contains("<string>: broker.connect-timeout: must be positive")
                .doesNotContain("ten minutes");
    }

    @Test
    void parseWhenUrlInvalidThenErrorNamesPathAndRfc() {
        ConfigurationException e = parseError(yaml(
                "broker:",
                "  redirect-uri: /callback",
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com/?tenant=1",
                "    client-id: x",
                "    token-endpoint: ftp://idp.example.com/token",
                "    authorization-endpoint: https://idp.example.com/auth#frag",
                "    revocation-endpoint: \"https://exa mple.com\""), NO_ENV);

        assertThat(e.getMessage())
                .contains("<string>: broker.redirect-uri: is not a valid URL; use an absolute http or https URL")
                .contains("<string>: providers.corp.issuer: must not have a ?query (RFC 8414 §2)")
                .contains("<string>: providers.corp.token-endpoint: is not a valid URL")
                .contains("<string>: providers.corp.authorization-endpoint: must not have a #fragment (RFC 6749 §3.1)")
                .contains("<string>: providers.corp.revocation-endpoint: is not a valid URL")
                .doesNotContain("exa mple");
        // the issuer error does not also produce "issuer is required"
        assertThat(e.getMessage()).doesNotContain("issuer: is required");
    }

    @Test
    void parseWhenRedirectUriAndLoopbackBothSetThenError() {
        ConfigurationException e = parseError(yaml(
                "broker:",
                "  redirect-uri: https://app.example.com/cb",
                "  loopback-callback: { port: 0 }"), NO_ENV);

        assertThat(e).hasMessage("<string>: broker: set either redirect-uri (the application's own callback) or"
                + " loopback-callback (the built-in 127.0.0.1 server), not both");
    }

    @Test
    void parseWhenLoopbackValuesInvalidThenErrors() {
        ConfigurationException e = parseError(yaml(
                "broker:",
                "  loopback-callback: { port: 70000, path: callback, host: 0.0.0.0 }"), NO_ENV);

        assertThat(e.getMessage())
                .contains("broker.loopback-callback.host: unknown loopback-callback key 'host'; allowed keys: port,"
                        + " path")
                .contains("broker.loopback-callback.port: must be a port number from 0 to 65535")
                .contains("broker.loopback-callback.path: must start with '/'");
    }

    @Test
    void parseWhenClientAuthIsPrivateKeyJwtThenErrorSaysKeyIsSetInCode() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com",
                "    client-id: x",
                "    client-auth: private_key_jwt"), NO_ENV);

        assertThat(e).hasMessage("<string>: providers.corp.client-auth: client authentication method"
                + " 'private_key_jwt' needs a key: set it in code with ProviderBuilder.clientKey; allowed here:"
                + " client_secret_basic, client_secret_post, none");
    }

    @Test
    void parseWhenBuilderRefusesThenErrorHasFileAndPath() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com",
                "    client-id: x",
                "    client-auth: client_secret_post"), NO_ENV);

        assertThat(e).hasMessage("<string>: providers.corp: client authentication client_secret_post needs a client"
                + " secret");
        assertThat(e.provider()).isEqualTo(ProviderId.of("corp"));
    }

    @Test
    void parseWhenReservedAuthorizationParameterThenError() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com",
                "    client-id: x",
                "    authorization-params: { state: fixed, prompt: login }"), NO_ENV);

        assertThat(e).hasMessage("<string>: providers.corp.authorization-params.state: is set by the broker and"
                + " cannot be configured");
    }

    @Test
    void parseWhenScopeOrBooleanInvalidThenErrorsNamePaths() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com",
                "    client-id: x",
                "    scopes: [openid, \"bad\\\\scope\"]",
                "    pkce: maybe",
                "    require-iss: [true]"), NO_ENV);

        assertThat(e.getMessage())
                .contains("providers.corp.scopes[1]: is not a valid scope token (RFC 6749 §3.3")
                .contains("providers.corp.pkce: must be true or false")
                .contains("providers.corp.require-iss: must be a single value, not a list")
                .doesNotContain("maybe");
    }

    @Test
    void parseWhenValueEmptyOrNullThenErrorSaysSo() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com",
                "    client-id: \"\"",
                "    client-secret: ${CORP_SECRET}",
                "    display-name: ~",
                "    scope-delimiter:"), env("CORP_SECRET", ""));

        assertThat(e.getMessage())
                .contains("providers.corp.client-id: is empty; give a value or remove the key")
                .contains("providers.corp.client-secret: is empty (environment variable CORP_SECRET is empty)")
                .contains("providers.corp.display-name: has no value")
                .containsPattern("providers.corp.scope-delimiter: (has no value|is empty)");
    }

    @Test
    void parseWhenVariableReferenceMalformedThenErrorWithoutContent() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com",
                "    client-id: x",
                "    client-secret: \"${CORP_SECRET\"",
                "    display-name: \"${not-a-var}\""), env("CORP_SECRET", CORP_SECRET));

        assertThat(e.getMessage())
                .contains("providers.corp.client-secret: has '${' without a closing '}'")
                .contains("providers.corp.display-name: has a '${...}' that does not start with an environment"
                        + " variable name")
                .doesNotContain("not-a-var")
                .doesNotContain(CORP_SECRET);
    }

    @Test
    void parseWhenManyProblemsThenAllAreReportedOnePerLine() {
        ConfigurationException e = parseError(yaml(
                "brokr: {}",
                "broker:",
                "  clock-skew: soon",
                "providers:",
                "  github:",
                "    preset: github",
                "    client-id: ${GITHUB_CLIENT_ID}",
                "    client-secret: ${GITHUB_CLIENT_SECRET}",
                "  corp:",
                "    type: oidc",
                "    clientid: x",
                "  weather:",
                "    type: apikey"), NO_ENV);

        String[] lines = e.getMessage().split("\n");
        assertThat(lines[0]).isEqualTo("8 problems in <string>; fix them all, then load again:");
        assertThat(lines).hasSize(9).containsSubsequence(
                "<string>: brokr: unknown top-level key 'brokr' (did you mean 'broker'?); allowed keys: broker,"
                        + " providers",
                "<string>: broker.clock-skew: is not a duration; use ISO-8601 (PT60S) or a whole number with a"
                        + " unit: 500ms, 60s, 10m, 1h, 2d");
        assertThat(e.getMessage())
                .contains("<string>: providers.github.client-id: environment variable GITHUB_CLIENT_ID is not set")
                .contains("<string>: providers.github.client-secret: environment variable GITHUB_CLIENT_SECRET is"
                        + " not set")
                .contains("<string>: providers.corp.clientid: unknown key 'clientid' (did you mean 'client-id'?)")
                .contains("<string>: providers.corp.client-id: is required")
                .contains("<string>: providers.corp.issuer: is required")
                .contains("<string>: providers.weather.type: unknown provider type 'apikey'; allowed types: oidc,"
                        + " oauth2, api-key");
        assertThat(e.provider()).isNull();
    }

    @Test
    void parseWhenSecretsComeFromEnvThenNoMessageOrToStringRevealsThem() {
        Function<String, String> env = env("CORP_SECRET", CORP_SECRET, "GITHUB_CLIENT_SECRET", GITHUB_SECRET,
                "WEATHER_API_KEY", WEATHER_KEY);
        // Secrets substituted into every kind of field that can fail, so that each error path is exercised.
        ConfigurationException e = parseError(yaml(
                "broker:",
                "  clock-skew: ${CORP_SECRET}",
                "  redirect-uri: ${CORP_SECRET}",
                "  loopback-callback: { port: \"${GITHUB_CLIENT_SECRET}\", path: \"${WEATHER_API_KEY}\" }",
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://${CORP_SECRET}/?q",
                "    client-id: x",
                "    client-secret: ${CORP_SECRET}",
                "    scopes: \"${CORP_SECRET}\\\\\"",
                "    pkce: ${GITHUB_CLIENT_SECRET}",
                "    default-token-lifetime: ${WEATHER_API_KEY}",
                "    tenant: ${CORP_SECRET}",
                "  github:",
                "    preset: github",
                "    client-id: x",
                "    client-secret: ${GITHUB_CLIENT_SECRET}",
                "    client-auth: none",
                "    pkce: false",
                "  weather:",
                "    type: api-key",
                "    api-key: ${WEATHER_API_KEY}",
                "    client-secret: ${CORP_SECRET}"), env);

        assertThat(e.getMessage().split("\n").length).isGreaterThan(8);
        assertThat(everything(e)).doesNotContain(CORP_SECRET).doesNotContain(GITHUB_SECRET)
                .doesNotContain(WEATHER_KEY);

        AgentAuthConfig ok = AgentAuthConfig.parse(yaml(
                "providers:",
                "  corp:",
                "    type: oidc",
                "    issuer: https://idp.example.com",
                "    client-id: x",
                "    client-secret: ${CORP_SECRET}",
                "  weather:",
                "    type: api-key",
                "    api-key: ${WEATHER_API_KEY}"), env);
        for (Provider p : ok.providers()) {
            assertThat(p.toString()).doesNotContain(CORP_SECRET).doesNotContain(WEATHER_KEY);
        }
        assertThat(ok.toString()).doesNotContain(CORP_SECRET).doesNotContain(WEATHER_KEY);
    }

    @Test
    void parseWhenProvidersIsAListThenErrorShowsExpectedShape() {
        ConfigurationException e = parseError(yaml(
                "providers:",
                "  - github:",
                "      preset: github"), NO_ENV);

        assertThat(e).hasMessageStartingWith("<string>: providers: must be a mapping from provider id to its"
                + " settings");
    }
}
