package dev.agentauth.mcp;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Principal;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.lang.reflect.Field;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stdio MCP server with one process per principal, the principal's token in its environment.
 *
 * <p>Processes are started on a principal's first call, restarted when the broker hands out another token (refresh,
 * rotation, new consent), stopped after the idle timeout, and all stopped by {@link #close()}: first gracefully
 * through the SDK, then, with their child processes, forcibly.
 */
final class StdioMcpServer implements AuthenticatedMcpServer {

    private static final Logger log = LoggerFactory.getLogger(StdioMcpServer.class);

    private final StdioMcpServerBuilder config;
    private final TokenBroker broker;
    private final ToolCatalog catalog;
    private final ConcurrentHashMap<Principal, Proc> processes = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicReference<McpRevision> revision;
    private final ScheduledExecutorService ownReaper;
    private final ScheduledFuture<?> reaping;
    private volatile boolean closed;

    StdioMcpServer(StdioMcpServerBuilder config) {
        this.config = config;
        this.broker = config.broker;
        this.catalog = new ToolCatalog(config.clock, config.toolCatalogTtl);
        this.revision = new java.util.concurrent.atomic.AtomicReference<>(config.revision);
        ScheduledExecutorService executor = config.reaper;
        if (executor == null) {
            ownReaper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "agent-auth-mcp-reaper-" + config.id);
                t.setDaemon(true);
                return t;
            });
            executor = ownReaper;
        } else {
            ownReaper = null;
        }
        long period = Math.max(1, Math.min(60, config.idleTimeout.toSeconds()));
        reaping = executor.scheduleWithFixedDelay(this::reapIdleQuietly, period, period, TimeUnit.SECONDS);
    }

    @Override
    public String id() {
        return config.id;
    }

    @Override
    public McpResult<List<McpSchema.Tool>> listTools(Principal principal) {
        return catalog.list(config.sharedToolCatalog, () -> invoke(principal, McpWire::listTools));
    }

    @Override
    public Optional<List<McpSchema.Tool>> cachedTools() {
        Optional<List<McpSchema.Tool>> fresh = catalog.fresh();
        if (fresh.isPresent() || !config.sharedToolCatalog) {
            return fresh;
        }
        for (Principal p : List.copyOf(processes.keySet())) {
            try {
                if (broker.token(request(p)) instanceof TokenResult.Granted
                        && listTools(p) instanceof McpResult.Completed<List<McpSchema.Tool>> c) {
                    return Optional.of(c.value());
                }
            } catch (dev.agentauth.core.AgentAuthException e) {
                // Best effort, as for HTTP servers: the last known list serves; a tool call reports the failure.
                log.debug("MCP server {}: tool list not refreshed for {}: {}", config.id, p, e.getClass().getName());
            }
        }
        return catalog.any();
    }

    @Override
    public McpResult<McpSchema.CallToolResult> callTool(Principal principal, String name,
                                                       Map<String, Object> arguments) {
        McpSchema.CallToolRequest request = new McpSchema.CallToolRequest(Objects.requireNonNull(name, "name"),
                arguments == null ? Map.of() : arguments);
        return invoke(principal, wire -> wire.callTool(request.name(), request.arguments()));
    }

    private <T> McpResult<T> invoke(Principal principal, Function<McpWire, T> call) {
        Objects.requireNonNull(principal, "principal");
        if (closed) {
            throw new IllegalStateException("MCP server '" + config.id + "' is closed");
        }
        TokenResult r = broker.token(request(principal));
        if (r instanceof TokenResult.ConsentRequired c) {
            return new McpResult.ConsentRequired<>(c.consent());
        }
        AccessToken token = ((TokenResult.Granted) r).token();
        Proc proc = processFor(principal, token);
        proc.lastUsed = config.clock.instant();
        return new McpResult.Completed<>(call.apply(proc.wire));
    }

    private TokenRequest request(Principal principal) {
        return TokenRequest.builder().provider(config.provider).principal(principal).flow(config.flow)
                .scopes(config.scopes).build();
    }

    /** The principal's process for {@code token}: started on first use, restarted when the token changed. */
    private Proc processFor(Principal principal, AccessToken token) {
        Proc current = processes.get(principal);
        if (current != null && current.token.equals(token) && current.alive()) {
            return current;
        }
        synchronized (this) {
            current = processes.get(principal);
            if (current != null && current.token.equals(token) && current.alive()) {
                return current;
            }
            if (current != null) {
                log.info("MCP server {}: restarting the process of {} ({})", config.id, principal,
                        current.alive() ? "token rotated" : "process ended");
                processes.remove(principal);
                current.stop();
            }
            if (closed) {
                throw new IllegalStateException("MCP server '" + config.id + "' is closed");
            }
            Proc started = start(principal, token);
            processes.put(principal, started);
            return started;
        }
    }

    private Proc start(Principal principal, AccessToken token) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : config.envAllowList) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.putAll(config.environment);
        for (String name : config.tokenVariables) {
            env.put(name, token.value());
        }
        if (revision.get() != McpRevision.V2025_11_25) {
            Proc modern = startModern(principal, token, env);
            if (modern != null) {
                return modern;
            }
        }
        ServerParameters params = ServerParameters.builder(config.command).args(config.args).env(env).build();
        // ServerParameters adds HOME, LOGNAME, PATH, SHELL, TERM and USER from our environment; the allow-list is the
        // whole contract, so the map is set to exactly what was decided above.
        params.getEnv().clear();
        params.getEnv().putAll(env);
        AllowListTransport transport = new AllowListTransport(params, config);
        transport.setStdErrorHandler(line -> log.debug("MCP server {} stderr: {}", config.id, line));
        McpSyncClient client = McpClient.sync(transport).requestTimeout(config.requestTimeout)
                .initializationTimeout(config.requestTimeout)
                .clientInfo(new McpSchema.Implementation("agent-auth", "0.1.0")).build();
        try {
            client.initialize();
        } catch (RuntimeException e) {
            Proc failed = new Proc(principal, token, new InitializedClientWire(client), transport.process());
            failed.stop();
            throw e;
        }
        Proc proc = new Proc(principal, token, new InitializedClientWire(client), transport.process());
        log.info("MCP server {}: started process {} for {}", config.id, proc.pid(), principal);
        return proc;
    }

    /**
     * A process on the 2026-07-28 wire, or {@code null} when the server does not speak it (then the probe's process
     * is stopped, and the revision remembered). The environment is exactly {@code env}, as for the handshake wire.
     */
    private Proc startModern(Principal principal, AccessToken token, Map<String, String> env) {
        List<String> command = new ArrayList<>();
        command.add(config.command);
        command.addAll(config.args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env);
        if (config.workingDirectory != null) {
            pb.directory(config.workingDirectory.toFile());
        }
        Process process;
        try {
            process = pb.start();
        } catch (java.io.IOException e) {
            throw new dev.agentauth.core.AgentAuthException("MCP server '" + config.id + "': cannot start "
                    + config.command + " (" + e.getClass().getSimpleName() + ")", config.provider, principal);
        }
        java.util.function.Consumer<String> stderr = line -> log.debug("MCP server {} stderr: {}", config.id, line);
        var transport = ModernWire.stdioTransport(process, stderr);
        if (revision.get() == McpRevision.AUTO) {
            ModernWire probe = ModernWire.on(transport, config.probeTimeout);
            McpRevision r;
            try {
                r = probe.discover().contains("2026-07-28") ? McpRevision.V2026_07_28 : McpRevision.V2025_11_25;
            } catch (RuntimeException e) {
                // Any error, a timeout or a closed stream: not a 2026-07-28 server (MCP "backward compatibility").
                log.debug("MCP server {}: server/discover failed ({}); using the initialize handshake", config.id,
                        e.getClass().getSimpleName());
                r = McpRevision.V2025_11_25;
            }
            revision.compareAndSet(McpRevision.AUTO, r);
            if (r != McpRevision.V2026_07_28) {
                new Proc(principal, token, probe, process).stop();
                return null;
            }
        }
        Proc proc = new Proc(principal, token, ModernWire.on(transport, config.requestTimeout), process);
        log.info("MCP server {}: started process {} for {} (2026-07-28)", config.id, proc.pid(), principal);
        return proc;
    }

    /** The revision processes are spoken to in ({@code AUTO} until the first probe). */
    McpRevision revision() {
        return revision.get();
    }

    /** Stops the processes idle for longer than the idle timeout. Called periodically; safe to call any time. */
    public int reapIdle() {
        Instant horizon = config.clock.instant().minus(config.idleTimeout);
        int reaped = 0;
        for (Map.Entry<Principal, Proc> e : List.copyOf(processes.entrySet())) {
            Proc p = e.getValue();
            if (p.lastUsed.isBefore(horizon) && processes.remove(e.getKey(), p)) {
                log.info("MCP server {}: stopping idle process of {}", config.id, e.getKey());
                p.stop();
                reaped++;
            }
        }
        return reaped;
    }

    private void reapIdleQuietly() {
        try {
            reapIdle();
        } catch (RuntimeException e) {
            log.warn("MCP server {}: reaping idle processes failed: {}", config.id, e.toString());
        }
    }

    /** The process id serving {@code principal}, if one runs (for diagnostics and tests). */
    public Optional<Long> processId(Principal principal) {
        Proc p = processes.get(principal);
        return p == null ? Optional.empty() : Optional.ofNullable(p.pid());
    }

    @Override
    public void closeSessions(Principal principal) {
        Proc p = processes.remove(principal);
        if (p != null) {
            p.stop();
        }
    }

    @Override
    public void close() {
        closed = true;
        reaping.cancel(false);
        if (ownReaper != null) {
            ownReaper.shutdownNow();
        }
        synchronized (this) {
            for (Principal p : new ArrayList<>(processes.keySet())) {
                closeSessions(p);
            }
        }
    }

    @Override
    public String toString() {
        return "AuthenticatedMcpServer[" + config.id + ", stdio " + config.command + ", processes=" + processes.size()
                + "]";
    }

    /** One principal's server process and client. */
    private final class Proc {
        final Principal principal;
        final AccessToken token;
        final McpWire wire;
        final Process process;
        volatile Instant lastUsed;

        Proc(Principal principal, AccessToken token, McpWire wire, Process process) {
            this.principal = principal;
            this.token = token;
            this.wire = wire;
            this.process = process;
            this.lastUsed = config.clock.instant();
        }

        boolean alive() {
            return process == null || process.isAlive();
        }

        Long pid() {
            return process == null ? null : process.pid();
        }

        void stop() {
            List<ProcessHandle> descendants = process == null ? List.of()
                    : process.descendants().toList();
            try {
                wire.close();
                if (wire.revision() == McpRevision.V2026_07_28 && process != null) {
                    process.getOutputStream().close(); // end of input: a stdio server's signal to exit
                }
            } catch (RuntimeException | java.io.IOException e) {
                log.debug("MCP server {}: graceful close failed: {}", config.id, e.getClass().getSimpleName());
            }
            if (process != null) {
                try {
                    if (!process.waitFor(2, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    process.destroyForcibly();
                }
            }
            // A launcher (npx, a shell script) may leave children behind: none may outlive the server.
            for (ProcessHandle d : descendants) {
                if (d.isAlive()) {
                    d.destroyForcibly();
                }
            }
        }
    }

    /**
     * The SDK's stdio transport with the environment cleared to the allow-list: its process builder starts from an
     * empty environment, to which the transport adds exactly {@link ServerParameters#getEnv()}.
     */
    static final class AllowListTransport extends StdioClientTransport {
        private final StdioMcpServerBuilder config;

        AllowListTransport(ServerParameters params, StdioMcpServerBuilder config) {
            super(params, McpJsonDefaults.getMapper());
            this.config = config;
        }

        @Override
        protected ProcessBuilder getProcessBuilder() {
            ProcessBuilder pb = new ProcessBuilder();
            pb.environment().clear();
            if (config.workingDirectory != null) {
                pb.directory(config.workingDirectory.toFile());
            }
            return pb;
        }

        /** The started process; the SDK keeps it private, and it is needed to kill the process tree on close. */
        Process process() {
            try {
                Field f = StdioClientTransport.class.getDeclaredField("process");
                f.setAccessible(true);
                return (Process) f.get(this);
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.warn("cannot reach the stdio server process ({}); it is stopped only gracefully",
                        e.getClass().getSimpleName());
                return null;
            }
        }
    }
}
