package dev.agentauth.spring.boot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code agent-auth.*} properties: providers, the token store and its key, the OAuth callback, the agent.
 * Providers may also come from {@code spring.security.oauth2.client.registration.*} and {@code provider.*}
 * ({@link #isUseSpringSecurityClients()}). Bound once at startup by Spring; not thread-safe to change afterwards.
 */
@ConfigurationProperties(prefix = "agent-auth")
public class AgentAuthProperties {

    /** Whether the auto-configuration runs at all. */
    private boolean enabled = true;

    /** Identity providers by id: the id is what {@code @AuthenticatedTool(provider = ...)} names. */
    private Map<String, ProviderProperties> providers = new LinkedHashMap<>();

    /**
     * Whether the {@code spring.security.oauth2.client.registration.*} clients (with their {@code provider.*}
     * entries) become agent-auth providers too, under their registration id.
     */
    private boolean useSpringSecurityClients = true;

    private final Store store = new Store();
    private final Callback callback = new Callback();
    private final Agent agent = new Agent();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Map<String, ProviderProperties> getProviders() {
        return providers;
    }

    public void setProviders(Map<String, ProviderProperties> providers) {
        this.providers = providers;
    }

    public boolean isUseSpringSecurityClients() {
        return useSpringSecurityClients;
    }

    public void setUseSpringSecurityClients(boolean useSpringSecurityClients) {
        this.useSpringSecurityClients = useSpringSecurityClients;
    }

    public Store getStore() {
        return store;
    }

    public Callback getCallback() {
        return callback;
    }

    public Agent getAgent() {
        return agent;
    }

    /** One identity provider. */
    public static class ProviderProperties {

        /** A preset to start from: github, github-app, google, microsoft, slack, slack-user, feishu, lark, coze. */
        private String preset;

        /** Shown to users on consent cards, e.g. "Corporate SSO". */
        private String displayName;

        /** The issuer: endpoints come from its OpenID Connect or OAuth metadata. */
        private String issuer;

        /** The authorization endpoint, when there is no discoverable issuer. */
        private String authorizationUri;

        /** The token endpoint, when there is no discoverable issuer. */
        private String tokenUri;

        /** The OAuth client id. */
        private String clientId;

        /** The OAuth client secret (use an environment variable or a secret store, not a file in the repository). */
        private String clientSecret;

        /** Scopes asked for on every request of this provider, e.g. openid. */
        private List<String> scopes = new ArrayList<>();

        /** What each scope lets the agent do, in words, for consent cards. */
        private Map<String, String> scopeDescriptions = new LinkedHashMap<>();

        /** Whether tokens are bound to the broker's key with DPoP (RFC 9449). */
        private boolean dpop;

        /**
         * Whether users consent with a code on any device (device authorization grant, RFC 8628) instead of a browser
         * redirect: for agents without a browser or a callback URL.
         */
        private boolean deviceAuthorization;

        public String getPreset() {
            return preset;
        }

        public void setPreset(String preset) {
            this.preset = preset;
        }

        public String getDisplayName() {
            return displayName;
        }

        public void setDisplayName(String displayName) {
            this.displayName = displayName;
        }

        public String getIssuer() {
            return issuer;
        }

        public void setIssuer(String issuer) {
            this.issuer = issuer;
        }

        public String getAuthorizationUri() {
            return authorizationUri;
        }

        public void setAuthorizationUri(String authorizationUri) {
            this.authorizationUri = authorizationUri;
        }

        public String getTokenUri() {
            return tokenUri;
        }

        public void setTokenUri(String tokenUri) {
            this.tokenUri = tokenUri;
        }

        public String getClientId() {
            return clientId;
        }

        public void setClientId(String clientId) {
            this.clientId = clientId;
        }

        public String getClientSecret() {
            return clientSecret;
        }

        public void setClientSecret(String clientSecret) {
            this.clientSecret = clientSecret;
        }

        public List<String> getScopes() {
            return scopes;
        }

        public void setScopes(List<String> scopes) {
            this.scopes = scopes;
        }

        public Map<String, String> getScopeDescriptions() {
            return scopeDescriptions;
        }

        public void setScopeDescriptions(Map<String, String> scopeDescriptions) {
            this.scopeDescriptions = scopeDescriptions;
        }

        public boolean isDpop() {
            return dpop;
        }

        public boolean isDeviceAuthorization() {
            return deviceAuthorization;
        }

        public void setDeviceAuthorization(boolean deviceAuthorization) {
            this.deviceAuthorization = deviceAuthorization;
        }

        public void setDpop(boolean dpop) {
            this.dpop = dpop;
        }

        @Override
        public String toString() {
            return "ProviderProperties[issuer=" + issuer + ", clientId=" + clientId + ", clientSecret="
                    + (clientSecret == null ? "none" : "redacted") + "]";
        }
    }

    /** Where grants (and consent interrupts) are kept. */
    public static class Store {

        /** memory (lost on restart), embedded (an encrypted H2 file) or postgres (shared by replicas). */
        private StoreType type = StoreType.MEMORY;

        /** The embedded store's directory. Default ~/.agent-auth. */
        private String directory;

        /** The PostgreSQL store's JDBC URL. */
        private String jdbcUrl;

        /** The PostgreSQL user. */
        private String username;

        /** The PostgreSQL password. */
        private String password;

        /**
         * The Tink keyset (JSON) that encrypts tokens at rest. Required for postgres; the embedded store generates a
         * key file beside its database when absent.
         */
        private String encryptionKeyset;

        /**
         * The longest a PostgreSQL store call may take (the wait for another replica's refresh aside): a frozen or cut
         * off database fails the call as retryable within it.
         */
        private java.time.Duration statementTimeout = java.time.Duration.ofSeconds(5);

        public StoreType getType() {
            return type;
        }

        public java.time.Duration getStatementTimeout() {
            return statementTimeout;
        }

        public void setStatementTimeout(java.time.Duration statementTimeout) {
            this.statementTimeout = statementTimeout;
        }

        public void setType(StoreType type) {
            this.type = type;
        }

        public String getDirectory() {
            return directory;
        }

        public void setDirectory(String directory) {
            this.directory = directory;
        }

        public String getJdbcUrl() {
            return jdbcUrl;
        }

        public void setJdbcUrl(String jdbcUrl) {
            this.jdbcUrl = jdbcUrl;
        }

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public String getEncryptionKeyset() {
            return encryptionKeyset;
        }

        public void setEncryptionKeyset(String encryptionKeyset) {
            this.encryptionKeyset = encryptionKeyset;
        }

        @Override
        public String toString() {
            return "Store[type=" + type + ", directory=" + directory + ", jdbcUrl=" + jdbcUrl + ", password="
                    + (password == null ? "none" : "redacted") + ", encryptionKeyset="
                    + (encryptionKeyset == null ? "none" : "redacted") + "]";
        }
    }

    /** The kinds of token store. */
    public enum StoreType {
        MEMORY, EMBEDDED, POSTGRES
    }

    /** The OAuth redirect URI the auto-configuration serves. */
    public static class Callback {

        /** The path of the callback endpoint on this application. */
        private String path = "/oauth/callback";

        /**
         * The absolute redirect URI registered at the identity providers, e.g.
         * https://agent.example.com/oauth/callback. Required for user consent.
         */
        private String redirectUri;

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public String getRedirectUri() {
            return redirectUri;
        }

        public void setRedirectUri(String redirectUri) {
            this.redirectUri = redirectUri;
        }
    }

    /** The AuthenticatedAgent built over the application's LangChain4j model and tools. */
    public static class Agent {

        /**
         * Whether an AuthenticatedAgent bean is built when the application has a LangChain4j model bean, and an
         * AuthenticatedChatClient bean when it has a Spring AI model bean.
         */
        private boolean enabled = true;

        /** The agent id of tool calls whose invocation names none. */
        private String id = "default";

        /** What happens when a user has not authorized yet: interrupt, blocking or tell-model. */
        private String consentMode = "interrupt";

        /**
         * What a resume that takes over from a replica that died mid-resume does with the tool call that was running
         * there: at-most-once (not run again; the model is told its outcome is unknown) or at-least-once (run again).
         */
        private String resumeRecovery = "at-most-once";

        /** How long a resume holds its interrupt without renewing its lease, before another replica may take over. */
        private java.time.Duration resumeLease = java.time.Duration.ofSeconds(30);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public String getConsentMode() {
            return consentMode;
        }

        public void setConsentMode(String consentMode) {
            this.consentMode = consentMode;
        }

        public String getResumeRecovery() {
            return resumeRecovery;
        }

        public void setResumeRecovery(String resumeRecovery) {
            this.resumeRecovery = resumeRecovery;
        }

        public java.time.Duration getResumeLease() {
            return resumeLease;
        }

        public void setResumeLease(java.time.Duration resumeLease) {
            this.resumeLease = resumeLease;
        }
    }
}
