package dev.agentauth.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.core.ClientAuthMethod;
import dev.agentauth.core.ProviderBuilder;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed values of a configuration document (durations, URLs, booleans, ports, scopes, secrets): each reader reports what is wrong with the value through {@link ConfigProblems} and returns
 * {@code null}, so reading goes on. Confined to one thread.
 */
abstract class ConfigValues extends ConfigExpansion {

    /** Mirrors ProviderBuilder, so that a refused parameter is reported along with every other problem. */
    static final Set<String> RESERVED_PARAMS = Set.of("response_type", "client_id", "redirect_uri",
            "state", "scope", "code_challenge", "code_challenge_method");
    static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,18})(ms|s|m|h|d)");
    static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    ConfigValues(String source, Function<String, String> env) {
        super(source, env);
    }

    // ---- typed values ----------------------------------------------------------------------------------------

    String text(ObjectNode obj, String base, String key) {
        JsonNode node = obj.get(key);
        return node == null ? null : scalar(node, base + "." + key);
    }

    /** The expanded text of a scalar; {@code null} when it is an empty {@code ${VAR:-}} or a problem was noted. */
    String scalar(JsonNode node, String path) {
        if (node.isNull()) {
            error(path, "has no value; give one or remove the key");
            return null;
        }
        if (node.isContainerNode()) {
            error(path, "must be a single value, not " + kindOf(node));
            return null;
        }
        String raw = node.isTextual() ? node.textValue() : node.asText();
        if (!node.isTextual()) {
            return raw;
        }
        String value = expand(raw, path);
        if (value == null) {
            return null;
        }
        if (value.isEmpty()) {
            if (ONLY_EMPTY_DEFAULT.matcher(raw).matches()) {
                return null; // ${VAR:-}: the key is deliberately unset
            }
            List<String> vars = variables(raw);
            error(path, vars.isEmpty() ? "is empty; give a value or remove the key"
                    : "is empty (environment variable " + String.join(", ", vars)
                            + " is empty); set it, or write ${VAR:-} to leave an optional key unset");
            return null;
        }
        return value;
    }

    Secret secret(ObjectNode obj, String base, String key) {
        String v = text(obj, base, key);
        if (v == null) {
            return null;
        }
        if (v.isBlank()) {
            error(base + "." + key, "is blank; give the secret or remove the key");
            return null;
        }
        return Secret.of(v);
    }

    void required(String base, String key, Object value, String hint) {
        // Only when nothing was reported about the key yet: a bad value has already been described.
        if (value == null && problemsAt(base + "." + key) == 0) {
            error(base + "." + key, "is required (" + hint + ")");
        }
    }

    Duration duration(ObjectNode obj, String base, String key, boolean zeroAllowed) {
        JsonNode node = obj.get(key);
        if (node == null) {
            return null;
        }
        String path = base + "." + key;
        String v = scalar(node, path);
        if (v == null) {
            return null;
        }
        Duration d = parseDuration(v.trim());
        if (d == null) {
            error(path, "is not a duration; use ISO-8601 (PT60S) or a whole number with a unit: 500ms, 60s, 10m,"
                    + " 1h, 2d");
            return null;
        }
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            error(path, zeroAllowed ? "must not be negative" : "must be positive");
            return null;
        }
        return d;
    }

    static Duration parseDuration(String v) {
        try {
            if (v.startsWith("P") || v.startsWith("p") || v.startsWith("-P") || v.startsWith("-p")) {
                return Duration.parse(v);
            }
            Matcher m = SHORT_DURATION.matcher(v);
            if (!m.matches()) {
                return null;
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            return null;
        }
    }

    /** An absolute http(s) URL without fragment (and, for an issuer, without query). */
    URI url(ObjectNode obj, String base, String key, String rfc, boolean issuer) {
        JsonNode node = obj.get(key);
        if (node == null) {
            return null;
        }
        String path = base + "." + key;
        String v = scalar(node, path);
        if (v == null) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(v);
        } catch (URISyntaxException e) {
            error(path, "is not a valid URL; use an absolute http or https URL such as https://idp.example.com");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
            error(path, "is not a valid URL; use an absolute http or https URL with a host, such as"
                    + " https://idp.example.com");
            return null;
        }
        if (uri.getRawFragment() != null) {
            error(path, "must not have a #fragment (" + rfc + ")");
            return null;
        }
        if (issuer && uri.getRawQuery() != null) {
            error(path, "must not have a ?query (" + rfc + ")");
            return null;
        }
        return uri;
    }

    Boolean bool(ObjectNode obj, String base, String key) {
        JsonNode node = obj.get(key);
        if (node == null) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        String path = base + "." + key;
        String v = scalar(node, path);
        if (v == null) {
            return null;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        error(path, "must be true or false");
        return null;
    }

    Integer port(ObjectNode obj, String base, String key) {
        JsonNode node = obj.get(key);
        if (node == null) {
            return null;
        }
        String path = base + "." + key;
        String v = scalar(node, path);
        if (v == null) {
            return null;
        }
        try {
            int port = Integer.parseInt(v.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        error(path, "must be a port number from 0 to 65535 (0 = a random free port)");
        return null;
    }

    ClientAuthMethod clientAuth(ObjectNode obj, String base) {
        String v = text(obj, base, "client-auth");
        if (v == null) {
            return null;
        }
        // private_key_jwt needs a key object, which is configured in code (ProviderBuilder.clientKey), not in YAML.
        for (ClientAuthMethod m : ClientAuthMethod.values()) {
            if (m.metadataName().equals(v) && m != ClientAuthMethod.PRIVATE_KEY_JWT) {
                return m;
            }
        }
        List<String> names = new ArrayList<>();
        for (ClientAuthMethod m : ClientAuthMethod.values()) {
            if (m != ClientAuthMethod.PRIVATE_KEY_JWT) {
                names.add(m.metadataName());
            }
        }
        error(base + ".client-auth", (ClientAuthMethod.PRIVATE_KEY_JWT.metadataName().equals(v)
                ? "client authentication method 'private_key_jwt' needs a key: set it in code with"
                + " ProviderBuilder.clientKey; allowed here: "
                : "unknown client authentication method '" + v + "'; allowed: ") + String.join(", ", names));
        return null;
    }

    Scopes scopes(ObjectNode obj, String base) {
        JsonNode node = obj.get("scopes");
        if (node == null) {
            return null;
        }
        String path = base + ".scopes";
        List<String> tokens = new ArrayList<>();
        int before = problems.size();
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String v = scalar(node.get(i), path + "[" + i + "]");
                if (v != null) {
                    checkScope(v, path + "[" + i + "]", tokens);
                }
            }
        } else {
            String v = scalar(node, path);
            if (v == null) {
                return null; // a problem, or an empty ${VAR:-}: the preset's scopes stay
            }
            splitScopes(v, path, tokens);
        }
        return problems.size() == before ? Scopes.of(tokens) : null;
    }

    void splitScopes(String v, String path, List<String> into) {
        String[] parts = v.trim().split("[\\s,]+");
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].isEmpty()) {
                checkScope(parts[i], parts.length == 1 ? path : path + " (scope " + (i + 1) + ")", into);
            }
        }
    }

    void checkScope(String v, String path, List<String> into) {
        if (SCOPE_TOKEN.matcher(v).matches()) {
            into.add(v);
        } else {
            error(path, "is not a valid scope token (RFC 6749 §3.3: printable ASCII without spaces, '\"' or"
                    + " '\\')");
        }
    }

    Map<String, String> authorizationParams(ObjectNode obj, String base) {
        JsonNode node = obj.get("authorization-params");
        Map<String, String> params = new LinkedHashMap<>();
        if (node == null) {
            return params;
        }
        String path = base + ".authorization-params";
        if (!node.isObject()) {
            error(path, "must be a mapping of parameter names to values, e.g. { access_type: offline }, not "
                    + kindOf(node));
            return params;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String p = path + "." + name;
            if (name.isBlank()) {
                error(path, "has a parameter with an empty name");
                continue;
            }
            if (RESERVED_PARAMS.contains(name)) {
                error(p, "is set by the broker and cannot be configured");
                continue;
            }
            String v = scalar(e.getValue(), p);
            if (v != null) {
                params.put(name, v);
            }
        }
        return params;
    }
}
