package dev.agentauth.mcp;

import dev.agentauth.core.Flow;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;

/**
 * Builds a stdio {@link AuthenticatedMcpServer}: one process per (server, principal), the token in environment
 * variables. Not thread-safe.
 */
public final class StdioMcpServerBuilder {

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Inherited from the agent's environment by default: what a program needs to start, nothing secret. */
    public static final Set<String> DEFAULT_ENV_ALLOW_LIST = Set.of("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ");

    final String id;
    final String command;
    final List<String> args;
    TokenBroker broker;
    ProviderId provider;
    Scopes scopes = Scopes.NONE;
    Flow flow = Flow.USER_CONSENT;
    final List<String> tokenVariables = new ArrayList<>();
    final Set<String> envAllowList = new LinkedHashSet<>(DEFAULT_ENV_ALLOW_LIST);
    final Map<String, String> environment = new LinkedHashMap<>();
    Path workingDirectory;
    Duration idleTimeout = Duration.ofMinutes(10);
    McpRevision revision = McpRevision.AUTO;
    Duration probeTimeout = Duration.ofSeconds(5);
    Duration requestTimeout = Duration.ofSeconds(60);
    Duration toolCatalogTtl = Duration.ofMinutes(5);
    boolean sharedToolCatalog = true;
    ScheduledExecutorService reaper;
    Clock clock = Clock.systemUTC();

    StdioMcpServerBuilder(String id, String command, List<String> args) {
        this.id = Objects.requireNonNull(id, "id");
        this.command = Objects.requireNonNull(command, "command");
        this.args = List.copyOf(args);
    }

    /** The broker that holds users' tokens. Required. */
    public StdioMcpServerBuilder broker(TokenBroker broker) {
        this.broker = Objects.requireNonNull(broker, "broker");
        return this;
    }

    /** Tokens come from this configured provider, with these scopes. Required. */
    public StdioMcpServerBuilder provider(String providerId, String... scopes) {
        this.provider = ProviderId.of(providerId);
        this.scopes = Scopes.of(scopes);
        return this;
    }

    public StdioMcpServerBuilder flow(Flow flow) {
        this.flow = Objects.requireNonNull(flow, "flow");
        return this;
    }

    /** The environment variables the token is put in, e.g. {@code GITHUB_PERSONAL_ACCESS_TOKEN}. At least one. */
    public StdioMcpServerBuilder tokenVariables(String... names) {
        for (String n : names) {
            tokenVariables.add(checkName(n));
        }
        return this;
    }

    /** Variables inherited from the agent's environment, replacing {@link #DEFAULT_ENV_ALLOW_LIST}. */
    public StdioMcpServerBuilder envAllowList(String... names) {
        envAllowList.clear();
        for (String n : names) {
            envAllowList.add(checkName(n));
        }
        return this;
    }

    /** A fixed, non-secret variable for the server (configuration, not credentials). */
    public StdioMcpServerBuilder env(String name, String value) {
        environment.put(checkName(name), Objects.requireNonNull(value, "value"));
        return this;
    }

    public StdioMcpServerBuilder workingDirectory(Path dir) {
        this.workingDirectory = dir;
        return this;
    }

    /** A principal's process is stopped after this long without a call (default 10 min). */
    public StdioMcpServerBuilder idleTimeout(Duration idle) {
        this.idleTimeout = Objects.requireNonNull(idle, "idle");
        return this;
    }

    public StdioMcpServerBuilder requestTimeout(Duration timeout) {
        this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    public StdioMcpServerBuilder toolCatalogTtl(Duration ttl) {
        this.toolCatalogTtl = Objects.requireNonNull(ttl, "ttl");
        return this;
    }

    public StdioMcpServerBuilder sharedToolCatalog(boolean shared) {
        this.sharedToolCatalog = shared;
        return this;
    }

    /**
     * Runs {@link StdioMcpServer#reapIdle()} every minute on this executor (not shut down by the server). Without
     * one the server starts a single daemon thread for it and stops it on {@code close()}.
     */
    public StdioMcpServerBuilder reaper(ScheduledExecutorService executor) {
        this.reaper = executor;
        return this;
    }

    public StdioMcpServerBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    private static String checkName(String name) {
        if (name == null || !ENV_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not an environment variable name: " + name);
        }
        return name;
    }

    /**
     * Which revision the server is spoken to in (default {@link McpRevision#AUTO}): the first process is probed with
     * {@code server/discover} on the 2026-07-28 client, for at most {@link #probeTimeout} (a server of an earlier
     * revision may not answer an unknown method at all); a server that does not list 2026-07-28 is restarted and
     * spoken to with the {@code initialize} handshake. The outcome is kept for every later process.
     *
     * @since 0.2.0
     */
    public StdioMcpServerBuilder revision(McpRevision revision) {
        this.revision = Objects.requireNonNull(revision, "revision");
        return this;
    }

    /** How long the {@code server/discover} probe waits for an answer (default 5 s). */
    public StdioMcpServerBuilder probeTimeout(Duration timeout) {
        this.probeTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * Checks the settings and builds the server.
     *
     * @throws IllegalStateException a required setting is missing or two settings conflict
     * @throws dev.agentauth.core.ConfigurationException the provider is unknown to the broker, or the server's tokens
     *                                  need the user's consent through a browser redirect while the broker has no
     *                                  redirect URI (nor loopback callback) and the provider does not use the device
     *                                  authorization grant
     */
    public AuthenticatedMcpServer build() {
        if (broker == null || provider == null) {
            throw new IllegalStateException("stdio MCP server '" + id + "': broker(...) and provider(...) are required");
        }
        if (tokenVariables.isEmpty()) {
            throw new IllegalStateException("stdio MCP server '" + id + "': name the environment variable(s) for the"
                    + " token with tokenVariables(...)");
        }
        for (String v : tokenVariables) {
            if (environment.containsKey(v)) {
                throw new IllegalStateException("stdio MCP server '" + id + "': " + v + " is both a token variable"
                        + " and a fixed variable");
            }
        }
        BuildChecks.consentReachable(id, broker, provider, flow);
        return new StdioMcpServer(this);
    }
}
