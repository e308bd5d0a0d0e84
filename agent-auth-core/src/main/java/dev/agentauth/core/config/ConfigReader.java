package dev.agentauth.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.core.ClientAuthMethod;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderBuilder;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.ProviderPresets;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads one configuration document into providers and broker settings: the top-level keys, the {@code broker}
 * mapping and each provider entry (type, preset, keys allowed for it). Typed values and problems come from the layers
 * below ({@link ConfigValues}, {@link ConfigProblems}). Confined to one thread.
 */
final class ConfigReader extends ConfigValues {

    static final List<String> TOP_LEVEL_KEYS = List.of("broker", "providers");
    static final List<String> BROKER_KEYS = List.of("clock-skew", "consent-ttl", "connect-timeout",
            "read-timeout", "redirect-uri", "loopback-callback");
    static final List<String> LOOPBACK_KEYS = List.of("port", "path");
    static final List<String> TYPES = List.of("oidc", "oauth2", "api-key");
    static final List<String> OAUTH_KEYS = List.of("display-name", "client-id", "client-secret",
            "client-auth", "issuer", "authorization-endpoint", "token-endpoint", "revocation-endpoint", "scopes",
            "authorization-params", "pkce", "scope-delimiter", "require-iss", "default-token-lifetime", "dpop",
            "workload-identity-file", "device-authorization", "device-authorization-endpoint");
    static final List<String> API_KEY_KEYS = List.of("type", "display-name", "api-key");
    static final List<String> ALL_PROVIDER_KEYS;
    static final String MICROSOFT = "microsoft";
    static final Pattern TENANT = Pattern.compile("[A-Za-z0-9.-]+");

    static {
        LinkedHashSet<String> all = new LinkedHashSet<>();
        all.add("type");
        all.add("preset");
        all.add("tenant");
        all.addAll(OAUTH_KEYS);
        all.add("api-key");
        ALL_PROVIDER_KEYS = List.copyOf(all);
    }

    /** What a provider entry describes, once {@code type} / {@code preset} are read. */
    enum Mode { OIDC, OAUTH2, API_KEY, PRESET, UNKNOWN }

    final List<Provider> providers = new ArrayList<>();
    Duration clockSkew;
    Duration consentTtl;
    Duration connectTimeout;
    Duration readTimeout;
    URI redirectUri;
    Integer loopbackPort;
    String loopbackPath;

    ConfigReader(String source, Function<String, String> env) {
        super(source, env);
    }

    void read(JsonNode root) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            error("", "the file is empty; expected the keys " + String.join(" and ", TOP_LEVEL_KEYS));
            return;
        }
        if (!root.isObject()) {
            error("", "the document must be a mapping with the keys " + String.join(" and ", TOP_LEVEL_KEYS) + ", not "
                    + kindOf(root));
            return;
        }
        checkKeys(root, "", TOP_LEVEL_KEYS, "top-level key");
        JsonNode broker = root.get("broker");
        if (broker != null && !broker.isNull()) {
            if (broker.isObject()) {
                readBroker((ObjectNode) broker);
            } else {
                error("broker", "must be a mapping of broker settings, not " + kindOf(broker));
            }
        }
        JsonNode list = root.get("providers");
        if (list != null && !list.isNull()) {
            if (list.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = list.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    readProvider(e.getKey(), e.getValue());
                }
            } else {
                error("providers", "must be a mapping from provider id to its settings (e.g. 'github:' then"
                        + " indented keys), not " + kindOf(list));
            }
        }
    }

    // ---- broker ----------------------------------------------------------------------------------------------

    void readBroker(ObjectNode broker) {
        checkKeys(broker, "broker", BROKER_KEYS, "broker key");
        clockSkew = duration(broker, "broker", "clock-skew", true);
        consentTtl = duration(broker, "broker", "consent-ttl", false);
        connectTimeout = duration(broker, "broker", "connect-timeout", false);
        readTimeout = duration(broker, "broker", "read-timeout", false);
        redirectUri = url(broker, "broker", "redirect-uri", "RFC 6749 §3.1.2", false);
        JsonNode loopback = broker.get("loopback-callback");
        if (loopback != null) {
            String path = "broker.loopback-callback";
            if (broker.has("redirect-uri")) {
                error("broker", "set either redirect-uri (the application's own callback) or loopback-callback"
                        + " (the built-in 127.0.0.1 server), not both");
            }
            if (loopback.isNull()) {
                error(path, "has no value; write 'loopback-callback: {}' for port 0 and path /callback");
            } else if (!loopback.isObject()) {
                error(path, "must be a mapping with 'port' and 'path', not " + kindOf(loopback));
            } else {
                ObjectNode lb = (ObjectNode) loopback;
                checkKeys(lb, path, LOOPBACK_KEYS, "loopback-callback key");
                Integer port = port(lb, path, "port");
                String p = text(lb, path, "path");
                if (p != null && !p.startsWith("/")) {
                    error(path + ".path", "must start with '/', e.g. /callback");
                    p = null;
                }
                loopbackPort = port != null ? port : 0;
                loopbackPath = p != null ? p : "/callback";
            }
        }
    }

    // ---- providers -------------------------------------------------------------------------------------------

    void readProvider(String key, JsonNode node) {
        String path = "providers." + key;
        currentProvider = null;
        try {
            currentProvider = ProviderId.of(key);
        } catch (IllegalArgumentException e) {
            error(path, "'" + key + "' is not a valid provider id: use 1-64 lower-case letters, digits, '.', '_'"
                    + " or '-', starting with a letter or digit");
        }
        try {
            if (node == null || node.isNull()) {
                error(path, "has no settings; add 'type' or 'preset' and the keys it needs");
            } else if (!node.isObject()) {
                error(path, "must be a mapping of settings ('type' or 'preset', 'client-id', ...), not "
                        + kindOf(node));
            } else {
                readProvider(path, (ObjectNode) node);
            }
        } finally {
            currentProvider = null;
        }
    }

    void readProvider(String path, ObjectNode p) {
        int problemsBefore = problems.size();
        String type = text(p, path, "type");
        String preset = text(p, path, "preset");
        Mode mode = Mode.UNKNOWN;
        if (type != null && preset != null) {
            error(path, "set either 'type' or 'preset', not both (a preset already fixes the type)");
        } else if (type != null) {
            mode = switch (type) {
                case "oidc" -> Mode.OIDC;
                case "oauth2" -> Mode.OAUTH2;
                case "api-key" -> Mode.API_KEY;
                default -> {
                    error(path + ".type", "unknown provider type '" + type + "'; allowed types: "
                            + String.join(", ", TYPES));
                    yield Mode.UNKNOWN;
                }
            };
        } else if (preset != null) {
            if (ProviderPresets.names().contains(preset)) {
                mode = Mode.PRESET;
            } else {
                error(path + ".preset", "unknown preset '" + preset + "'; known presets: "
                        + String.join(", ", ProviderPresets.names()));
            }
        } else if (!p.has("type") && !p.has("preset")) {
            error(path, "set 'type' (" + String.join(", ", TYPES) + ") or 'preset' ("
                    + String.join(", ", ProviderPresets.names()) + ")");
        }
        checkProviderKeys(p, path, mode, preset);

        String displayName = text(p, path, "display-name");
        if (mode == Mode.API_KEY) {
            Secret apiKey = secret(p, path, "api-key");
            if (problems.size() == problemsBefore && currentProvider != null) {
                ProviderBuilder b = Provider.apiKey(currentProvider.value());
                if (displayName != null) {
                    b.displayName(displayName);
                }
                if (apiKey != null) {
                    b.apiKey(apiKey);
                }
                build(path, b);
            }
            return;
        }

        if (mode == Mode.UNKNOWN) {
            secret(p, path, "api-key"); // only to report its problems too
        }
        String clientId = text(p, path, "client-id");
        Secret clientSecret = secret(p, path, "client-secret");
        ClientAuthMethod clientAuth = clientAuth(p, path);
        URI issuer = url(p, path, "issuer", "RFC 8414 §2", true);
        URI authorizationEndpoint = url(p, path, "authorization-endpoint", "RFC 6749 §3.1", false);
        URI tokenEndpoint = url(p, path, "token-endpoint", "RFC 6749 §3.2", false);
        URI revocationEndpoint = url(p, path, "revocation-endpoint", "RFC 7009 §2", false);
        Scopes scopes = scopes(p, path);
        Map<String, String> params = authorizationParams(p, path);
        Boolean pkce = bool(p, path, "pkce");
        String scopeDelimiter = text(p, path, "scope-delimiter");
        Boolean requireIss = bool(p, path, "require-iss");
        Duration lifetime = duration(p, path, "default-token-lifetime", false);
        Boolean dpop = bool(p, path, "dpop");
        Boolean device = bool(p, path, "device-authorization");
        String deviceEndpoint = text(p, path, "device-authorization-endpoint");
        String workloadFile = text(p, path, "workload-identity-file");
        String tenant = text(p, path, "tenant");
        if (tenant != null && !TENANT.matcher(tenant).matches()) {
            error(path + ".tenant", "must be common, organizations, consumers, a tenant id or a domain");
            tenant = null;
        }

        if (mode != Mode.UNKNOWN) {
            required(path, "client-id", clientId, "the client id registered with the provider");
        }
        if (mode == Mode.OIDC) {
            required(path, "issuer", issuer, "type oidc discovers its endpoints from the issuer;"
                    + " use type oauth2 to give endpoints instead");
        }
        if (mode == Mode.OAUTH2) {
            required(path, "token-endpoint", tokenEndpoint, "type oauth2 has no discovery;"
                    + " use type oidc to discover endpoints from an issuer instead");
        }
        if (problems.size() != problemsBefore || mode == Mode.UNKNOWN || currentProvider == null) {
            return;
        }

        String id = currentProvider.value();
        ProviderBuilder b;
        if (mode == Mode.PRESET) {
            if (MICROSOFT.equals(preset) && tenant != null) {
                try {
                    b = ProviderPresets.microsoft(id, tenant);
                } catch (IllegalArgumentException e) {
                    error(path + ".tenant", "the microsoft preset refused this tenant; use common,"
                            + " organizations, consumers, a tenant id or a domain");
                    return;
                }
            } else {
                b = ProviderPresets.byName(preset, id).orElseThrow();
            }
        } else {
            b = Provider.oauth2(id);
        }
        if (displayName != null) {
            b.displayName(displayName);
        }
        b.clientId(clientId);
        if (clientSecret != null) {
            b.clientSecret(clientSecret);
        }
        if (clientAuth != null) {
            b.clientAuthMethod(clientAuth);
        }
        if (issuer != null) {
            b.issuer(issuer.toString());
        }
        if (authorizationEndpoint != null) {
            b.authorizationEndpoint(authorizationEndpoint.toString());
        }
        if (tokenEndpoint != null) {
            b.tokenEndpoint(tokenEndpoint.toString());
        }
        if (revocationEndpoint != null) {
            b.revocationEndpoint(revocationEndpoint.toString());
        }
        if (scopes != null) {
            b.defaultScopes(scopes);
        }
        params.forEach(b::authorizationParameter);
        if (pkce != null) {
            b.pkce(pkce);
        }
        if (scopeDelimiter != null) {
            b.scopeDelimiter(scopeDelimiter);
        }
        if (requireIss != null) {
            b.issuerParameterRequired(requireIss);
        }
        if (lifetime != null) {
            b.defaultTokenLifetime(lifetime);
        }
        if (dpop != null) {
            b.dpop(dpop);
        }
        if (device != null) {
            b.deviceAuthorization(device);
        }
        if (deviceEndpoint != null) {
            b.deviceAuthorizationEndpoint(deviceEndpoint);
        }
        if (workloadFile != null) {
            b.workloadIdentity(dev.agentauth.core.AssertionSource.file(java.nio.file.Path.of(workloadFile)));
        }
        build(path, b);
    }

    void checkProviderKeys(ObjectNode p, String path, Mode mode, String preset) {
        List<String> allowed = switch (mode) {
            case OIDC, OAUTH2 -> concat(List.of("type"), OAUTH_KEYS);
            case PRESET -> MICROSOFT.equals(preset) ? concat(List.of("preset", "tenant"), OAUTH_KEYS)
                    : concat(List.of("preset"), OAUTH_KEYS);
            case API_KEY -> API_KEY_KEYS;
            case UNKNOWN -> ALL_PROVIDER_KEYS;
        };
        String what = switch (mode) {
            case OIDC -> "type oidc";
            case OAUTH2 -> "type oauth2";
            case API_KEY -> "type api-key";
            case PRESET -> "preset " + preset;
            case UNKNOWN -> "";
        };
        for (Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!ALL_PROVIDER_KEYS.contains(key)) {
                error(path + "." + key, "unknown key '" + key + "'" + suggestion(key, ALL_PROVIDER_KEYS)
                        + "; allowed keys" + (what.isEmpty() ? "" : " for " + what) + ": "
                        + String.join(", ", allowed));
            } else if (!allowed.contains(key)) {
                error(path + "." + key, "'" + key + "' does not apply to " + what + "; allowed keys: "
                        + String.join(", ", allowed));
            }
        }
    }

    void build(String path, ProviderBuilder b) {
        try {
            providers.add(b.build());
        } catch (ConfigurationException e) {
            String msg = String.valueOf(e.getMessage());
            String prefix = "provider '" + currentProvider.value() + "': ";
            error(path, msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg);
        } catch (IllegalArgumentException e) {
            // Builder messages about arguments may quote the argument; say only which builder refused.
            error(path, "the settings were refused by ProviderBuilder (" + e.getClass().getSimpleName()
                    + "); check each value against the format reference in AgentAuthConfig");
        }
    }

}
