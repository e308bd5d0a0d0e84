package dev.agentauth.core.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Provider;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

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
 * <p>The file format — every key, its type and default, and the presets — is documented in the README's
 * configuration reference (one source of truth); {@code ${VAR}} and {@code ${VAR:-default}} take values from the
 * environment, so secrets stay out of the file.
 *
 * @since 0.1.0
 */
public final class AgentAuthConfig {

    private static final String STRING_SOURCE = "<string>";

    private final List<Provider> providers;
    private final Duration clockSkew;
    private final Duration consentTtl;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final URI redirectUri;
    private final Integer loopbackPort;
    private final String loopbackPath;

    private AgentAuthConfig(ConfigReader r) {
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
            root = YamlTree.readTree(yaml);
        } catch (JacksonException e) {
            // Neither the exception nor its message is passed on: SnakeYAML's messages quote the offending line,
            // which may hold a secret.
            throw new ConfigurationException(source + ": " + YamlTree.describeSyntaxError(e));
        } catch (IOException e) {
            throw new ConfigurationException(source + ": cannot be parsed (" + e.getClass().getSimpleName() + ")");
        }
        ConfigReader reader = new ConfigReader(source, env);
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
}
