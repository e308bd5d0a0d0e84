package dev.agentauth.core.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.agentauth.core.ClientAuthMethod;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.ProviderPresets;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Providers and broker settings loaded from a YAML file. Immutable and thread-safe.
 *
 * <pre>{@code
 * AgentAuthConfig config = AgentAuthConfig.load(Path.of("agent-auth.yaml"));
 * TokenBroker broker = TokenBroker.builder().configuration(config).build();
 * }</pre>
 *
 * <p>Loading only reads the file and builds {@link Provider} objects: it does no network I/O (the broker resolves
 * OpenID Connect discovery later). Every problem in the file is collected and reported together in one
 * {@link ConfigurationException}, one problem per line, each naming the file, the YAML path and what to change, so a
 * file can be fixed in one pass. Messages never contain a configured value (values may be secrets); they name paths,
 * environment variable names and, for the enumerated keys {@code type}, {@code preset} and {@code client-auth}, the
 * offending value.
 *
 * <h2>File format</h2>
 *
 * <pre>{@code
 * broker:                                  # optional
 *   clock-skew: 60s                        # tokens count as expired this long before their expiry
 *   consent-ttl: 10m                       # how long a consent (authorization URL) stays valid
 *   connect-timeout: 5s                    # HTTP connect timeout towards providers
 *   read-timeout: 10s                      # HTTP response timeout towards providers
 *   redirect-uri: https://app.example.com/oauth/callback   # the application's own callback ...
 *   loopback-callback: { port: 0, path: /callback }         # ... or the built-in 127.0.0.1 server; not both
 * providers:
 *   github:                                # the key is the provider id
 *     preset: github
 *     client-id: ${GITHUB_CLIENT_ID}
 *     client-secret: ${GITHUB_CLIENT_SECRET}
 *     scopes: [repo, "read:user"]
 *   corp:
 *     type: oidc
 *     issuer: https://idp.example.com
 *     display-name: Corp SSO
 *     client-id: agent
 *     client-secret: ${CORP_SECRET}
 *     client-auth: client_secret_post
 *     authorization-params: { access_type: offline, prompt: consent }
 *     pkce: true
 *     require-iss: true
 *     default-token-lifetime: 1h
 *   weather:
 *     type: api-key
 *     display-name: Weather API
 *     api-key: ${WEATHER_API_KEY:-}        # optional; per-user keys are stored at run time
 * }</pre>
 *
 * <h3>Top level</h3>
 * Only the keys {@code broker} and {@code providers} are allowed; both are optional, but an empty file is an error.
 *
 * <h3>{@code broker}</h3>
 * <table>
 * <caption>Broker settings (all optional; the broker's defaults apply to what is left out)</caption>
 * <tr><th>key</th><th>value</th><th>accessor</th></tr>
 * <tr><td>{@code clock-skew}</td><td>duration, zero or more (broker default 60s)</td><td>{@link #clockSkew()}</td></tr>
 * <tr><td>{@code consent-ttl}</td><td>duration, positive (default 10m)</td><td>{@link #consentTtl()}</td></tr>
 * <tr><td>{@code connect-timeout}</td><td>duration, positive (default 5s)</td><td>{@link #connectTimeout()}</td></tr>
 * <tr><td>{@code read-timeout}</td><td>duration, positive (default 10s)</td><td>{@link #readTimeout()}</td></tr>
 * <tr><td>{@code redirect-uri}</td><td>absolute http(s) URL without fragment (RFC 6749 §3.1.2); the application
 * hands each callback request to the broker</td><td>{@link #redirectUri()}</td></tr>
 * <tr><td>{@code loopback-callback}</td><td>mapping: {@code port} (0-65535, 0 = a random free port; default 0) and
 * {@code path} (starts with {@code /}; default {@code /callback}); the broker serves the callback on 127.0.0.1.
 * {@code loopback-callback: {}} takes both defaults. Exclusive with {@code redirect-uri}.</td>
 * <td>{@link #loopbackPort()}, {@link #loopbackPath()}</td></tr>
 * </table>
 *
 * <h3>{@code providers}</h3>
 * A mapping from provider id to its settings, in file order. The id follows {@link ProviderId}: 1-64 lower-case
 * letters, digits, {@code .}, {@code _} or {@code -}, starting with a letter or digit. Each provider sets exactly one
 * of {@code type} and {@code preset}.
 *
 * <table>
 * <caption>Provider settings</caption>
 * <tr><th>key</th><th>applies to</th><th>value</th></tr>
 * <tr><td>{@code type}</td><td>—</td><td>{@code oidc} (OpenID Connect: needs {@code issuer}; endpoints are
 * discovered), {@code oauth2} (plain OAuth 2.0: needs {@code token-endpoint}, and {@code authorization-endpoint} for
 * user consent) or {@code api-key}</td></tr>
 * <tr><td>{@code preset}</td><td>—</td><td>one of {@link ProviderPresets#names()}: {@code coze}, {@code coze-cn},
 * {@code feishu}, {@code github}, {@code github-app}, {@code google}, {@code lark}, {@code microsoft}, {@code slack},
 * {@code slack-user}. The preset's endpoints and quirks come first; every other key below overrides them.</td></tr>
 * <tr><td>{@code tenant}</td><td>preset {@code microsoft}</td><td>{@code common} (default), {@code organizations},
 * {@code consumers}, a tenant id or a domain</td></tr>
 * <tr><td>{@code display-name}</td><td>all</td><td>shown on consent cards; defaults to the preset's name or the
 * id</td></tr>
 * <tr><td>{@code client-id}</td><td>oidc, oauth2, presets</td><td>required</td></tr>
 * <tr><td>{@code client-secret}</td><td>oidc, oauth2, presets</td><td>optional; without it the client is public
 * (PKCE required). Use {@code ${VAR}} rather than writing it in the file.</td></tr>
 * <tr><td>{@code client-auth}</td><td>oidc, oauth2, presets</td><td>{@code client_secret_basic} (default with a
 * secret), {@code client_secret_post} or {@code none} (default without a secret)</td></tr>
 * <tr><td>{@code issuer}</td><td>oidc (required), oauth2, presets</td><td>absolute http(s) URL without query or
 * fragment (RFC 8414 §2); used for discovery and the RFC 9207 {@code iss} check</td></tr>
 * <tr><td>{@code authorization-endpoint}, {@code token-endpoint}, {@code revocation-endpoint}</td><td>oidc, oauth2
 * ({@code token-endpoint} required), presets</td><td>absolute http(s) URLs without fragment (RFC 6749 §3.1); explicit
 * endpoints win over discovered ones</td></tr>
 * <tr><td>{@code scopes}</td><td>oidc, oauth2, presets</td><td>the default scopes: a list ({@code [repo, "read:user"]})
 * or one string of scopes separated by spaces (commas are accepted too); each an RFC 6749 §3.3 scope token</td></tr>
 * <tr><td>{@code authorization-params}</td><td>oidc, oauth2, presets</td><td>mapping of extra authorization request
 * parameters, e.g. {@code { access_type: offline }}; the parameters the broker sets itself ({@code response_type},
 * {@code client_id}, {@code redirect_uri}, {@code state}, {@code scope}, {@code code_challenge},
 * {@code code_challenge_method}) are refused. Added to a preset's parameters.</td></tr>
 * <tr><td>{@code pkce}</td><td>oidc, oauth2, presets</td><td>{@code true} (default) or {@code false}</td></tr>
 * <tr><td>{@code scope-delimiter}</td><td>oidc, oauth2, presets</td><td>string between scopes on the authorization
 * request; default a space, {@code ","} for Slack</td></tr>
 * <tr><td>{@code require-iss}</td><td>oidc, oauth2, presets</td><td>{@code true} or {@code false}: whether the
 * callback must carry {@code iss} (RFC 9207); when left out, as the provider's metadata advertises</td></tr>
 * <tr><td>{@code default-token-lifetime}</td><td>oidc, oauth2, presets</td><td>duration, positive: the lifetime of
 * tokens answered without {@code expires_in}; when left out such tokens never expire</td></tr>
 * <tr><td>{@code api-key}</td><td>api-key</td><td>optional agent-wide key; per-user keys are stored at run
 * time</td></tr>
 * </table>
 *
 * <h3>Values</h3>
 * <ul>
 * <li><b>Durations</b>: ISO-8601 ({@code PT60S}, {@code PT1H30M}) or a whole number with a unit: {@code 500ms},
 * {@code 60s}, {@code 10m}, {@code 1h}, {@code 2d}. A bare number is refused (its unit would be a guess).</li>
 * <li><b>Booleans and ports</b> may be YAML booleans/numbers or strings (so {@code ${VAR}} can supply them).</li>
 * <li><b>Strings</b>: every scalar is read exactly as written, so {@code client-id: 0123} stays {@code "0123"} (YAML
 * would read an octal number) and {@code 1234.5670} keeps its last zero. An empty string is an error, except as
 * below; so is a key with no value ({@code client-secret:} or {@code ~}).
 * Inside flow collections ({@code [...]}, {@code {...}}) quote values that contain {@code ${...}}.</li>
 * </ul>
 *
 * <h3>Environment variables</h3>
 * Every scalar string value (not keys) is expanded after the YAML is parsed, so a variable's value can never change
 * the structure of the file:
 * <ul>
 * <li>{@code ${VAR}} — the value of {@code VAR} (letters, digits and {@code _}, not starting with a digit). An unset
 * variable is an error naming the path and the variable. A variable set to an empty string expands to an empty
 * string.</li>
 * <li>{@code ${VAR:-default}} — {@code default} (taken literally, up to the first <code>&#125;</code>) when {@code VAR} is unset
 * or empty, as in the POSIX shell.</li>
 * <li>A value that is exactly {@code ${VAR:-}} and expands to nothing counts as not set, which makes an optional key
 * (such as {@code api-key} or {@code client-secret}) depend on the environment; for a required key it is the
 * "required" error.</li>
 * <li><code>$${</code> is a literal <code>${</code>; any other {@code $} is literal.</li>
 * </ul>
 *
 * @since 0.1.0
 */
public final class AgentAuthConfig {

    /** Thread-safe once configured; duplicate keys are an error rather than "last one wins". */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private static final String STRING_SOURCE = "<string>";

    private final List<Provider> providers;
    private final Duration clockSkew;
    private final Duration consentTtl;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final URI redirectUri;
    private final Integer loopbackPort;
    private final String loopbackPath;

    private AgentAuthConfig(Reader r) {
        this.providers = List.copyOf(r.providers);
        this.clockSkew = r.clockSkew;
        this.consentTtl = r.consentTtl;
        this.connectTimeout = r.connectTimeout;
        this.readTimeout = r.readTimeout;
        this.redirectUri = r.redirectUri;
        this.loopbackPort = r.loopbackPort;
        this.loopbackPath = r.loopbackPath;
    }

    /**
     * Loads {@code file}, expanding {@code ${VAR}} from the process environment ({@link System#getenv(String)}).
     * Thread-safe; blocks while the file is read (no network I/O).
     *
     * @param file the YAML file
     * @return the providers and broker settings
     * @throws ConfigurationException listing every problem in the file, or that it cannot be read
     */
    public static AgentAuthConfig load(Path file) {
        return load(file, System::getenv);
    }

    /**
     * Loads {@code file}, expanding {@code ${VAR}} with {@code env} (which returns {@code null} for an unset
     * variable). Error messages name the file as {@code file.toString()}. Thread-safe if {@code env} is; blocks while
     * the file is read (no network I/O).
     *
     * @param file the YAML file
     * @param env the environment: variable name to value, {@code null} when unset
     * @return the providers and broker settings
     * @throws ConfigurationException listing every problem in the file, or that it cannot be read
     */
    public static AgentAuthConfig load(Path file, Function<String, String> env) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(env, "env");
        String name = file.toString();
        String text;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigurationException(name + ": is a directory; pass the path of the YAML file");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigurationException(name + ": file not found (looked for " + file.toAbsolutePath()
                    + "); check the path or create the file", null, e);
        } catch (AccessDeniedException e) {
            throw new ConfigurationException(name + ": cannot be read (permission denied); make it readable by this"
                    + " process", null, e);
        } catch (CharacterCodingException e) {
            throw new ConfigurationException(name + ": is not UTF-8 text; save it as UTF-8");
        } catch (IOException e) {
            throw new ConfigurationException(name + ": cannot be read (" + e.getClass().getSimpleName()
                    + "); check that it is a readable file", null, e);
        }
        return parse(text, env, name);
    }

    /**
     * Parses YAML text, e.g. a classpath resource or a test fixture, expanding {@code ${VAR}} with {@code env} (which
     * returns {@code null} for an unset variable). Error messages name the source {@code <string>}. Thread-safe if
     * {@code env} is; non-blocking (no I/O).
     *
     * @param yaml the YAML document
     * @param env the environment: variable name to value, {@code null} when unset
     * @return the providers and broker settings
     * @throws ConfigurationException listing every problem in the text
     */
    public static AgentAuthConfig parse(String yaml, Function<String, String> env) {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(env, "env");
        return parse(yaml, env, STRING_SOURCE);
    }

    private static AgentAuthConfig parse(String yaml, Function<String, String> env, String source) {
        JsonNode root;
        try {
            root = readTree(yaml);
        } catch (JacksonException e) {
            // Neither the exception nor its message is passed on: SnakeYAML's messages quote the offending line,
            // which may hold a secret.
            throw new ConfigurationException(source + ": " + describeSyntaxError(e));
        } catch (IOException e) {
            throw new ConfigurationException(source + ": cannot be parsed (" + e.getClass().getSimpleName() + ")");
        }
        Reader reader = new Reader(source, env);
        reader.read(root);
        reader.throwIfErrors();
        return new AgentAuthConfig(reader);
    }

    /** The configured providers, in file order. Thread-safe, non-blocking. */
    public List<Provider> providers() {
        return providers;
    }

    /** {@code broker.clock-skew}. Thread-safe, non-blocking. */
    public Optional<Duration> clockSkew() {
        return Optional.ofNullable(clockSkew);
    }

    /** {@code broker.consent-ttl}. Thread-safe, non-blocking. */
    public Optional<Duration> consentTtl() {
        return Optional.ofNullable(consentTtl);
    }

    /** {@code broker.connect-timeout}. Thread-safe, non-blocking. */
    public Optional<Duration> connectTimeout() {
        return Optional.ofNullable(connectTimeout);
    }

    /** {@code broker.read-timeout}. Thread-safe, non-blocking. */
    public Optional<Duration> readTimeout() {
        return Optional.ofNullable(readTimeout);
    }

    /** {@code broker.redirect-uri}; empty when not set. Thread-safe, non-blocking. */
    public Optional<URI> redirectUri() {
        return Optional.ofNullable(redirectUri);
    }

    /**
     * {@code broker.loopback-callback.port} (0 = a random free port); present exactly when {@code loopback-callback}
     * is set. Thread-safe, non-blocking.
     */
    public Optional<Integer> loopbackPort() {
        return Optional.ofNullable(loopbackPort);
    }

    /**
     * {@code broker.loopback-callback.path}; present exactly when {@code loopback-callback} is set. Thread-safe,
     * non-blocking.
     */
    public Optional<String> loopbackPath() {
        return Optional.ofNullable(loopbackPath);
    }

    /** Provider ids and broker settings; never a secret. Thread-safe, non-blocking. */
    @Override
    public String toString() {
        return "AgentAuthConfig[providers=" + providers.stream().map(p -> p.id().value()).toList()
                + (clockSkew != null ? ", clockSkew=" + clockSkew : "")
                + (consentTtl != null ? ", consentTtl=" + consentTtl : "")
                + (connectTimeout != null ? ", connectTimeout=" + connectTimeout : "")
                + (readTimeout != null ? ", readTimeout=" + readTimeout : "")
                + (redirectUri != null ? ", redirectUri=" + redirectUri : "")
                + (loopbackPort != null ? ", loopback=" + loopbackPort + loopbackPath : "") + "]";
    }

    /**
     * Jackson's tree model, except that every scalar is kept as the text written in the file. {@code readTree} would
     * turn {@code 0123} into the octal number 83 and {@code 1234.5670} into {@code 1234.567}: a client id or key that
     * looks like a number must not change. Typed keys (durations, ports, booleans) are converted from text later.
     */
    private static JsonNode readTree(String yaml) throws IOException {
        try (JsonParser parser = YAML.createParser(yaml)) {
            JsonToken token = parser.nextToken();
            return token == null ? MissingNode.getInstance() : node(parser, token);
        }
    }

    private static JsonNode node(JsonParser parser, JsonToken token) throws IOException {
        JsonNodeFactory nodes = YAML.getNodeFactory();
        switch (token) {
            case START_OBJECT -> {
                ObjectNode object = nodes.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    object.set(key, node(parser, parser.nextToken()));
                }
                return object;
            }
            case START_ARRAY -> {
                ArrayNode array = nodes.arrayNode();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    array.add(node(parser, t));
                }
                return array;
            }
            case VALUE_NULL -> {
                return nodes.nullNode();
            }
            default -> {
                return nodes.textNode(parser.getText());
            }
        }
    }

    private static String describeSyntaxError(JacksonException e) {
        JsonLocation loc = e.getLocation();
        int line = loc != null ? loc.getLineNr() : -1;
        int column = loc != null ? loc.getColumnNr() : -1;
        String original = e.getOriginalMessage();
        if (original != null && original.startsWith("Duplicate field '")) {
            String where = line > 0 ? " at line " + line + ", column " + column : "";
            int end = original.indexOf('\'', "Duplicate field '".length());
            String key = end > 0 ? original.substring("Duplicate field '".length(), end) : "?";
            return "duplicate key '" + key + "'" + where + "; each key may appear once per mapping";
        }
        String problem = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m) {
                // The problem is a fixed phrase such as "mapping values are not allowed here"; the context and marks,
                // which quote the file, are left out.
                problem = m.getProblem();
                if (m.getProblemMark() != null) {
                    line = m.getProblemMark().getLine() + 1; // SnakeYAML counts from 0
                    column = m.getProblemMark().getColumn() + 1;
                }
                break;
            }
        }
        String where = line > 0 ? " at line " + line + ", column " + column : "";
        return "not valid YAML" + where + (problem != null ? " (" + problem + ")" : "")
                + "; check the indentation, that each ':' is followed by a space, and quote values containing"
                + " ': ', ' #' or starting with a special character";
    }

    // ------------------------------------------------------------------------------------------------------------

    /** Reads one document; collects every problem instead of stopping at the first. Confined to one thread. */
    private static final class Reader {

        private static final List<String> TOP_LEVEL_KEYS = List.of("broker", "providers");
        private static final List<String> BROKER_KEYS = List.of("clock-skew", "consent-ttl", "connect-timeout",
                "read-timeout", "redirect-uri", "loopback-callback");
        private static final List<String> LOOPBACK_KEYS = List.of("port", "path");
        private static final List<String> TYPES = List.of("oidc", "oauth2", "api-key");
        private static final List<String> OAUTH_KEYS = List.of("display-name", "client-id", "client-secret",
                "client-auth", "issuer", "authorization-endpoint", "token-endpoint", "revocation-endpoint", "scopes",
                "authorization-params", "pkce", "scope-delimiter", "require-iss", "default-token-lifetime");
        private static final List<String> API_KEY_KEYS = List.of("type", "display-name", "api-key");
        private static final List<String> ALL_PROVIDER_KEYS;
        private static final String MICROSOFT = "microsoft";
        /** Mirrors Provider.Builder, so that a refused parameter is reported along with every other problem. */
        private static final Set<String> RESERVED_PARAMS = Set.of("response_type", "client_id", "redirect_uri",
                "state", "scope", "code_challenge", "code_challenge_method");
        private static final Pattern VAR_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
        private static final Pattern ONLY_EMPTY_DEFAULT = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*:-}");
        private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,18})(ms|s|m|h|d)");
        private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9.-]+");
        private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

        static {
            LinkedHashSet<String> all = new LinkedHashSet<>();
            all.add("type");
            all.add("preset");
            all.add("tenant");
            all.addAll(OAUTH_KEYS);
            all.add("api-key");
            ALL_PROVIDER_KEYS = List.copyOf(all);
        }

        /** A problem at a YAML path ({@code ""} for the whole file). */
        private record Problem(String path, String message, ProviderId provider) {
        }

        /** What a provider entry describes, once {@code type} / {@code preset} are read. */
        private enum Mode { OIDC, OAUTH2, API_KEY, PRESET, UNKNOWN }

        private final String source;
        private final Function<String, String> env;
        private final List<Problem> problems = new ArrayList<>();
        private ProviderId currentProvider;

        final List<Provider> providers = new ArrayList<>();
        Duration clockSkew;
        Duration consentTtl;
        Duration connectTimeout;
        Duration readTimeout;
        URI redirectUri;
        Integer loopbackPort;
        String loopbackPath;

        Reader(String source, Function<String, String> env) {
            this.source = source;
            this.env = env;
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

        void throwIfErrors() {
            if (problems.isEmpty()) {
                return;
            }
            List<String> lines = problems.stream()
                    .map(p -> source + ": " + (p.path().isEmpty() ? "" : p.path() + ": ") + p.message())
                    .toList();
            Set<ProviderId> ids = problems.stream().map(Problem::provider)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            ProviderId provider = ids.size() == 1 ? ids.iterator().next() : null;
            String message = lines.size() == 1 ? lines.get(0)
                    : lines.size() + " problems in " + source + "; fix them all, then load again:\n"
                            + String.join("\n", lines);
            throw new ConfigurationException(message, provider, null);
        }

        // ---- broker ----------------------------------------------------------------------------------------------

        private void readBroker(ObjectNode broker) {
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

        private void readProvider(String key, JsonNode node) {
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

        private void readProvider(String path, ObjectNode p) {
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
                    Provider.Builder b = Provider.apiKey(currentProvider.value());
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
            Provider.Builder b;
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
            build(path, b);
        }

        private void checkProviderKeys(ObjectNode p, String path, Mode mode, String preset) {
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

        private void build(String path, Provider.Builder b) {
            try {
                providers.add(b.build());
            } catch (ConfigurationException e) {
                String msg = String.valueOf(e.getMessage());
                String prefix = "provider '" + currentProvider.value() + "': ";
                error(path, msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg);
            } catch (IllegalArgumentException e) {
                // Builder messages about arguments may quote the argument; say only which builder refused.
                error(path, "the settings were refused by Provider.Builder (" + e.getClass().getSimpleName()
                        + "); check each value against the format reference in AgentAuthConfig");
            }
        }

        // ---- typed values ----------------------------------------------------------------------------------------

        private String text(ObjectNode obj, String base, String key) {
            JsonNode node = obj.get(key);
            return node == null ? null : scalar(node, base + "." + key);
        }

        /** The expanded text of a scalar; {@code null} when it is an empty {@code ${VAR:-}} or a problem was noted. */
        private String scalar(JsonNode node, String path) {
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

        private Secret secret(ObjectNode obj, String base, String key) {
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

        private void required(String base, String key, Object value, String hint) {
            // Only when nothing was reported about the key yet: a bad value has already been described.
            if (value == null && problemsAt(base + "." + key) == 0) {
                error(base + "." + key, "is required (" + hint + ")");
            }
        }

        private Duration duration(ObjectNode obj, String base, String key, boolean zeroAllowed) {
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

        private static Duration parseDuration(String v) {
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
        private URI url(ObjectNode obj, String base, String key, String rfc, boolean issuer) {
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

        private Boolean bool(ObjectNode obj, String base, String key) {
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

        private Integer port(ObjectNode obj, String base, String key) {
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

        private ClientAuthMethod clientAuth(ObjectNode obj, String base) {
            String v = text(obj, base, "client-auth");
            if (v == null) {
                return null;
            }
            // private_key_jwt needs a key object, which is configured in code (Provider.Builder.clientKey), not in YAML.
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
                    + " Provider.Builder.clientKey; allowed here: "
                    : "unknown client authentication method '" + v + "'; allowed: ") + String.join(", ", names));
            return null;
        }

        private Scopes scopes(ObjectNode obj, String base) {
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

        private void splitScopes(String v, String path, List<String> into) {
            String[] parts = v.trim().split("[\\s,]+");
            for (int i = 0; i < parts.length; i++) {
                if (!parts[i].isEmpty()) {
                    checkScope(parts[i], parts.length == 1 ? path : path + " (scope " + (i + 1) + ")", into);
                }
            }
        }

        private void checkScope(String v, String path, List<String> into) {
            if (SCOPE_TOKEN.matcher(v).matches()) {
                into.add(v);
            } else {
                error(path, "is not a valid scope token (RFC 6749 §3.3: printable ASCII without spaces, '\"' or"
                        + " '\\')");
            }
        }

        private Map<String, String> authorizationParams(ObjectNode obj, String base) {
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

        // ---- ${VAR} expansion ------------------------------------------------------------------------------------

        /** Expands {@code ${VAR}}, {@code ${VAR:-default}} and <code>$${</code>; {@code null} after noting a problem. */
        private String expand(String raw, String path) {
            if (raw.indexOf('$') < 0) {
                return raw;
            }
            StringBuilder out = new StringBuilder(raw.length());
            boolean ok = true;
            int i = 0;
            while (i < raw.length()) {
                if (raw.startsWith("$${", i)) {
                    out.append("${");
                    i += 3;
                } else if (raw.startsWith("${", i)) {
                    int end = raw.indexOf('}', i + 2);
                    if (end < 0) {
                        error(path, "has '${' without a closing '}'; write ${VAR} or ${VAR:-default},"
                                + " or $${ for a literal ${");
                        return null;
                    }
                    String expr = raw.substring(i + 2, end);
                    int sep = expr.indexOf(":-");
                    String name = sep < 0 ? expr : expr.substring(0, sep);
                    String fallback = sep < 0 ? null : expr.substring(sep + 2);
                    if (!VAR_NAME.matcher(name).matches()) {
                        error(path, "has a '${...}' that does not start with an environment variable name (letters,"
                                + " digits and '_'); write ${VAR} or ${VAR:-default}, or $${ for a literal ${");
                        ok = false;
                    } else {
                        String value = env.apply(name);
                        if (value == null || (fallback != null && value.isEmpty())) {
                            if (fallback == null) {
                                error(path, "environment variable " + name + " is not set; set it, or give a"
                                        + " default with ${" + name + ":-default}");
                                ok = false;
                                value = "";
                            } else {
                                value = fallback;
                            }
                        }
                        out.append(value);
                    }
                    i = end + 1;
                } else {
                    out.append(raw.charAt(i));
                    i++;
                }
            }
            return ok ? out.toString() : null;
        }

        private static List<String> variables(String raw) {
            List<String> names = new ArrayList<>();
            Matcher m = Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*)").matcher(raw);
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        }

        // ---- helpers ---------------------------------------------------------------------------------------------

        private void checkKeys(JsonNode obj, String path, List<String> allowed, String what) {
            for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!allowed.contains(key)) {
                    error(path.isEmpty() ? key : path + "." + key, "unknown " + what + " '" + key + "'"
                            + suggestion(key, allowed) + "; allowed keys: " + String.join(", ", allowed));
                }
            }
        }

        private void error(String path, String message) {
            problems.add(new Problem(path, message, currentProvider));
        }

        private int problemsAt(String path) {
            int n = 0;
            for (Problem p : problems) {
                if (p.path().equals(path)) {
                    n++;
                }
            }
            return n;
        }

        private static String kindOf(JsonNode node) {
            if (node.isObject()) {
                return "a mapping";
            }
            if (node.isArray()) {
                return "a list";
            }
            return "a single value";
        }

        private static List<String> concat(List<String> a, List<String> b) {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return List.copyOf(all);
        }

        /** " (did you mean 'client-id'?)" for a near miss such as {@code clientid} or {@code client_id}. */
        private static String suggestion(String key, List<String> allowed) {
            String norm = normalize(key);
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String candidate : allowed) {
                int d = normalize(candidate).equals(norm) ? 0 : distance(key.toLowerCase(Locale.ROOT), candidate);
                if (d < bestDistance) {
                    best = candidate;
                    bestDistance = d;
                }
            }
            // A near miss: one edit, or two in a longer key ("host" is not "port")
            int limit = key.length() >= 6 ? 2 : 1;
            return best != null && bestDistance <= limit ? " (did you mean '" + best + "'?)" : "";
        }

        private static String normalize(String s) {
            return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        }

        /** Levenshtein distance; keys are short. */
        private static int distance(String a, String b) {
            int[] prev = new int[b.length() + 1];
            int[] cur = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                prev[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                cur[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                }
                int[] t = prev;
                prev = cur;
                cur = t;
            }
            return prev[b.length()];
        }
    }
}
