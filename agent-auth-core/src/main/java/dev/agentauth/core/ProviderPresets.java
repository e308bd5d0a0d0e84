package dev.agentauth.core;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Ready-made {@link ProviderBuilder}s for common providers, with their endpoints and quirks looked up from each
 * vendor's documentation. Add the client id and secret, adjust what you need, and {@code build()}:
 *
 * <pre>{@code
 * Provider github = ProviderPresets.github().clientId(id).clientSecret(secret).build();
 * }</pre>
 *
 * <table>
 * <caption>What each preset encodes</caption>
 * <tr><th>preset</th><th>quirks handled</th></tr>
 * <tr><td>github</td><td>OAuth App. Token answers are form-encoded unless {@code Accept: application/json} (always
 * sent); errors arrive with HTTP 200 (read from the body); the granted {@code scope} is comma-separated; classic tokens
 * never expire and carry no refresh token (401 → consent again). Revocation is GitHub's own REST call, not RFC 7009,
 * so disconnecting deletes the local grant only.</td></tr>
 * <tr><td>github-app</td><td>GitHub App user tokens: 8 h access tokens with rotating refresh tokens; no scopes.</td></tr>
 * <tr><td>google</td><td>{@code access_type=offline} and {@code prompt=consent} so a refresh token is issued every
 * time; {@code include_granted_scopes=true} for incremental consent; RFC 7009 revocation.</td></tr>
 * <tr><td>microsoft</td><td>Entra ID v2.0 for a tenant ({@code common}, {@code organizations}, a tenant id);
 * {@code offline_access} always asked for (no refresh token without it); refresh tokens rotate; no revocation
 * endpoint.</td></tr>
 * <tr><td>slack / slack-user</td><td>OAuth v2: comma-separated scopes, {@code ok}-flag answers, bot token at the top
 * level or user token nested in {@code authed_user} ({@code user_scope}); HTTP Basic client authentication.</td></tr>
 * <tr><td>feishu / lark</td><td>JSON token requests; {@code code} field in answers; {@code offline_access} for a
 * refresh token; single-use refresh tokens (rotation kept atomically).</td></tr>
 * <tr><td>coze / coze-cn</td><td>Public client with PKCE; JSON token requests; {@code expires_in} is an absolute Unix
 * time, converted.</td></tr>
 * </table>
 *
 * <p>Stateless and thread-safe; each call returns a new builder.
 */
public final class ProviderPresets {

    private ProviderPresets() {
    }

    /** GitHub OAuth App, provider id {@code github}. */
    public static ProviderBuilder github() {
        return github("github");
    }

    static ProviderBuilder github(String id) {
        return Provider.oauth2(id).displayName("GitHub")
                .authorizationEndpoint("https://github.com/login/oauth/authorize")
                .tokenEndpoint("https://github.com/login/oauth/access_token")
                .clientAuthMethod(ClientAuthMethod.CLIENT_SECRET_POST)
                .scopeDescription("repo", "Read and change your repositories, public and private")
                .scopeDescription("public_repo", "Read and change your public repositories")
                .scopeDescription("read:user", "Read your profile")
                .scopeDescription("user:email", "See your email addresses")
                .scopeDescription("read:org", "See your organizations and teams")
                .scopeDescription("gist", "Create and change your gists")
                .scopeDescription("workflow", "Change your GitHub Actions workflows")
                .scopeDescription("notifications", "Read your notifications");
    }

    /** GitHub App acting for a user, provider id {@code github}. */
    public static ProviderBuilder githubApp() {
        return githubApp("github");
    }

    static ProviderBuilder githubApp(String id) {
        return github(id).displayName("GitHub");
    }

    /** Google, provider id {@code google}. */
    public static ProviderBuilder google() {
        return google("google");
    }

    static ProviderBuilder google(String id) {
        return Provider.oauth2(id).displayName("Google")
                .authorizationEndpoint("https://accounts.google.com/o/oauth2/v2/auth")
                .tokenEndpoint("https://oauth2.googleapis.com/token")
                .revocationEndpoint("https://oauth2.googleapis.com/revoke")
                .authorizationParameter("access_type", "offline")
                .authorizationParameter("prompt", "consent")
                .authorizationParameter("include_granted_scopes", "true")
                .scopeDescription("https://www.googleapis.com/auth/gmail.readonly", "Read your email in Gmail")
                .scopeDescription("https://www.googleapis.com/auth/gmail.send", "Send email as you in Gmail")
                .scopeDescription("https://www.googleapis.com/auth/calendar", "See and change your calendars")
                .scopeDescription("https://www.googleapis.com/auth/calendar.readonly", "See your calendars")
                .scopeDescription("https://www.googleapis.com/auth/drive.readonly", "See and download your Drive files")
                .scopeDescription("https://www.googleapis.com/auth/drive.file",
                        "See and change the Drive files the agent creates or you open with it");
    }

    /** Microsoft Entra ID (v2.0 endpoints) for {@code tenant}, provider id {@code microsoft}. */
    public static ProviderBuilder microsoft(String tenant) {
        return microsoft("microsoft", tenant);
    }

    /** Microsoft Entra ID (v2.0 endpoints) for {@code tenant}, with provider id {@code id}. */
    public static ProviderBuilder microsoft(String id, String tenant) {
        if (tenant == null || !tenant.matches("[A-Za-z0-9.-]+")) {
            throw new IllegalArgumentException("Microsoft tenant must be common, organizations, consumers, a tenant id"
                    + " or a domain, was '" + tenant + "'");
        }
        String base = "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/";
        return Provider.oauth2(id).displayName("Microsoft")
                .authorizationEndpoint(base + "authorize")
                .tokenEndpoint(base + "token")
                .clientAuthMethod(ClientAuthMethod.CLIENT_SECRET_POST)
                .defaultScopes("offline_access")
                .scopeDescription("User.Read", "Sign you in and read your profile")
                .scopeDescription("Mail.Read", "Read your mail")
                .scopeDescription("Mail.Send", "Send mail as you")
                .scopeDescription("Calendars.Read", "Read your calendars")
                .scopeDescription("Calendars.ReadWrite", "Read and change your calendars")
                .scopeDescription("Files.Read", "Read your files")
                .scopeDescription("Files.ReadWrite", "Read and change your files");
    }

    /** Slack OAuth v2 bot token, provider id {@code slack}. */
    public static ProviderBuilder slack() {
        return slack("slack");
    }

    static ProviderBuilder slack(String id) {
        return Provider.oauth2(id).displayName("Slack")
                .authorizationEndpoint("https://slack.com/oauth/v2/authorize")
                .tokenEndpoint("https://slack.com/api/oauth.v2.access")
                .clientAuthMethod(ClientAuthMethod.CLIENT_SECRET_BASIC)
                .scopeDelimiter(",")
                .tokenResponseFormat(Provider.TokenResponseFormat.SLACK)
                .scopeDescription("chat:write", "Send messages in Slack")
                .scopeDescription("channels:read", "See the channels of your workspace")
                .scopeDescription("channels:history", "Read messages in public channels")
                .scopeDescription("users:read", "See the people in your workspace")
                .scopeDescription("search:read", "Search your workspace");
    }

    /** Slack OAuth v2 user token ({@code user_scope}), provider id {@code slack}. */
    public static ProviderBuilder slackUser() {
        return slackUser("slack");
    }

    static ProviderBuilder slackUser(String id) {
        return slack(id).scopeParameter("user_scope");
    }

    /** Feishu (feishu.cn) user access tokens, provider id {@code feishu}. */
    public static ProviderBuilder feishu() {
        return feishu("feishu");
    }

    static ProviderBuilder feishu(String id) {
        return Provider.oauth2(id).displayName("Feishu")
                .authorizationEndpoint("https://accounts.feishu.cn/open-apis/authen/v1/authorize")
                .tokenEndpoint("https://accounts.feishu.cn/oauth/v3/token")
                .clientAuthMethod(ClientAuthMethod.CLIENT_SECRET_POST)
                .tokenRequestFormat(Provider.TokenRequestFormat.JSON)
                .defaultScopes("offline_access");
    }

    /** Lark (larksuite.com) user access tokens, provider id {@code lark}. */
    public static ProviderBuilder lark() {
        return lark("lark");
    }

    static ProviderBuilder lark(String id) {
        return Provider.oauth2(id).displayName("Lark")
                .authorizationEndpoint("https://accounts.larksuite.com/open-apis/authen/v1/authorize")
                .tokenEndpoint("https://accounts.larksuite.com/oauth/v3/token")
                .clientAuthMethod(ClientAuthMethod.CLIENT_SECRET_POST)
                .tokenRequestFormat(Provider.TokenRequestFormat.JSON)
                .defaultScopes("offline_access");
    }

    /** Coze (coze.com), public client with PKCE, provider id {@code coze}. */
    public static ProviderBuilder coze() {
        return coze("coze");
    }

    static ProviderBuilder coze(String id) {
        return Provider.oauth2(id).displayName("Coze")
                .authorizationEndpoint("https://www.coze.com/api/permission/oauth2/authorize")
                .tokenEndpoint("https://api.coze.com/api/permission/oauth2/token")
                .clientAuthMethod(ClientAuthMethod.NONE)
                .tokenRequestFormat(Provider.TokenRequestFormat.JSON)
                .defaultTokenLifetime(Duration.ofMinutes(15));
    }

    /** Coze (coze.cn), public client with PKCE, provider id {@code coze}. */
    public static ProviderBuilder cozeCn() {
        return cozeCn("coze");
    }

    static ProviderBuilder cozeCn(String id) {
        return Provider.oauth2(id).displayName("Coze")
                .authorizationEndpoint("https://www.coze.cn/api/permission/oauth2/authorize")
                .tokenEndpoint("https://api.coze.cn/api/permission/oauth2/token")
                .clientAuthMethod(ClientAuthMethod.NONE)
                .tokenRequestFormat(Provider.TokenRequestFormat.JSON)
                .defaultTokenLifetime(Duration.ofMinutes(15));
    }

    private static final Map<String, Function<String, ProviderBuilder>> BY_NAME = new TreeMap<>(Map.of(
            "github", ProviderPresets::github,
            "github-app", ProviderPresets::githubApp,
            "google", ProviderPresets::google,
            "microsoft", id -> microsoft(id, "common"),
            "slack", ProviderPresets::slack,
            "slack-user", ProviderPresets::slackUser,
            "feishu", ProviderPresets::feishu,
            "lark", ProviderPresets::lark,
            "coze", ProviderPresets::coze,
            "coze-cn", ProviderPresets::cozeCn));

    /** The preset called {@code name} (as in YAML: {@code github}, {@code slack-user}, …), with provider id {@code id}. */
    public static Optional<ProviderBuilder> byName(String name, String id) {
        Function<String, ProviderBuilder> f = BY_NAME.get(name);
        return f == null ? Optional.empty() : Optional.of(f.apply(id));
    }

    /** The names {@link #byName} knows. */
    public static Set<String> names() {
        return BY_NAME.keySet();
    }
}
