package dev.agentauth.mcp;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.mcp.auth.McpAuthorization;
import dev.agentauth.mcp.auth.WwwAuthenticate;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An MCP server over Streamable HTTP or legacy SSE, with one client session and one bearer token per principal. */
final class HttpMcpServer implements AuthenticatedMcpServer {

    private static final Logger log = LoggerFactory.getLogger(HttpMcpServer.class);

    /** Where a server's tokens come from: a configured or a discovered provider, with the scopes to ask for. */
    record Auth(ProviderId provider, Scopes scopes) {
    }

    private final HttpMcpServerBuilder config;
    private final TokenBroker broker;
    private final URI endpoint;
    private final ToolCatalog catalog;
    private final ConcurrentHashMap<Principal, HttpMcpSession> sessions = new ConcurrentHashMap<>();
    /** How 401 and 403 are answered; counts authorizations per (principal, operation) across calls. */
    private final Reauthorization reauthorization;
    private volatile Auth auth;
    private volatile boolean closed;

    HttpMcpServer(HttpMcpServerBuilder config) {
        this.config = config;
        this.broker = config.broker;
        this.endpoint = config.endpoint;
        this.catalog = new ToolCatalog(config.clock, config.toolCatalogTtl);
        this.auth = config.provider != null ? new Auth(config.provider, config.scopes) : null;
        this.reauthorization = config.reauthorization != null ? config.reauthorization : Reauthorization.defaults();
    }


    @Override
    public String id() {
        return config.id;
    }

    // --------------------------------------------------------------------------------------------- operations

    @Override
    public McpResult<List<McpSchema.Tool>> listTools(Principal principal) {
        return catalog.list(config.sharedToolCatalog, () -> invoke(principal, "tools/list", HttpMcpServer::allTools));
    }

    @Override
    public Optional<List<McpSchema.Tool>> cachedTools() {
        Optional<List<McpSchema.Tool>> fresh = catalog.fresh();
        if (fresh.isPresent() || !config.sharedToolCatalog) {
            return fresh;
        }
        List<Principal> candidates = new ArrayList<>();
        if (config.catalogPrincipal != null) {
            candidates.add(config.catalogPrincipal);
        }
        candidates.addAll(sessions.keySet());
        for (Principal p : candidates) {
            Auth a = auth;
            if (a == null) {
                break;
            }
            // Only principals that hold a token now: listing must never start a consent.
            TokenResult r = broker.token(request(p, a, scopesOf(p, a)));
            if (r instanceof TokenResult.Granted) {
                McpResult<List<McpSchema.Tool>> listed = invoke(p, "tools/list", HttpMcpServer::allTools);
                if (listed instanceof McpResult.Completed<List<McpSchema.Tool>> c) {
                    catalog.put(c.value());
                    return Optional.of(c.value());
                }
            }
        }
        return catalog.any();
    }

    @Override
    public McpResult<McpSchema.CallToolResult> callTool(Principal principal, String name,
                                                       Map<String, Object> arguments) {
        Objects.requireNonNull(name, "name");
        McpSchema.CallToolRequest request = new McpSchema.CallToolRequest(name,
                arguments == null ? Map.of() : arguments);
        return invoke(principal, "tools/call " + name, client -> client.callTool(request));
    }

    private static List<McpSchema.Tool> allTools(McpSyncClient client) {
        List<McpSchema.Tool> tools = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            McpSchema.ListToolsResult page = cursor == null ? client.listTools() : client.listTools(cursor);
            tools.addAll(page.tools());
            cursor = page.nextCursor();
        } while (cursor != null && ++pages < 100);
        return tools;
    }

    // ------------------------------------------------------------------------- the authorization state machine

    /**
     * Runs {@code call} on {@code principal}'s session with their token. A server without a known provider is called
     * once without a token and authorized from its 401 challenge (MCP authorization discovery); then 401 and 403
     * {@code insufficient_scope} follow the server's {@link Reauthorization} policy.
     */
    <T> McpResult<T> invoke(Principal principal, String operation, Function<McpSyncClient, T> call) {
        Objects.requireNonNull(principal, "principal");
        if (closed) {
            throw new IllegalStateException("MCP server '" + config.id + "' is closed");
        }
        HttpMcpSession session = sessions.computeIfAbsent(principal, p -> new HttpMcpSession(config, p));
        if (auth == null) {
            try {
                return new McpResult.Completed<>(session.call(call));
            } catch (RuntimeException e) {
                AuthFailure failure = AuthFailure.of(e);
                if (failure == null || failure.status() != 401) {
                    throw e;
                }
                discover(failure.challenge());
            }
        }
        Auth a = auth;
        Reauthorization.Attempt attempt = reauthorization.begin(broker, request(principal, a, session.scopes(a)),
                principal + "|" + operation);
        TokenResult result = attempt.token();
        for (int round = 0; round < reauthorization.maxCalls(); round++) {
            if (result instanceof TokenResult.ConsentRequired c) {
                return new McpResult.ConsentRequired<>(c.consent());
            }
            session.token = ((TokenResult.Granted) result).token();
            try {
                T value = session.call(call);
                attempt.succeeded();
                return new McpResult.Completed<>(value);
            } catch (RuntimeException e) {
                AuthFailure failure = AuthFailure.of(e);
                Reauthorization.Outcome next;
                if (failure != null && failure.status() == 401) {
                    next = attempt.rejected(session.token, failure.challenge().scope());
                } else if (failure != null && failure.status() == 403 && failure.challenge().insufficientScope()) {
                    log.info("MCP server {}: {} needs more scope for {}: [{}]", config.id, principal, operation,
                            failure.challenge().scope());
                    next = attempt.insufficientScope(session.token, failure.challenge().scope());
                } else {
                    throw e;
                }
                // Remember what this principal's session needs, for its next token request.
                session.addScopes(attempt.request().scopes());
                if (next instanceof Reauthorization.Outcome.GiveUp g) {
                    String message = "MCP server '" + config.id + "' refuses " + operation + " for " + principal
                            + ": " + g.reason();
                    throw g.exhausted() ? new StepUpExhaustedException(message, a.provider(), principal)
                            : new AgentAuthException(message, a.provider(), principal);
                }
                result = ((Reauthorization.Outcome.Retry) next).result();
            }
        }
        throw new AgentAuthException("MCP server '" + config.id + "' kept refusing " + operation + " for "
                + principal + "; giving up", a.provider(), principal);
    }

    private synchronized void discover(WwwAuthenticate challenge) {
        if (auth != null) {
            return;
        }
        McpAuthorization.Discovered d = config.authorization.discover(endpoint, challenge,
                config.displayName != null ? config.displayName : config.id);
        auth = new Auth(d.provider().id(), d.scopes());
    }

    private TokenRequest request(Principal principal, Auth a, Scopes scopes) {
        return TokenRequest.builder().provider(a.provider()).principal(principal).flow(config.flow).scopes(scopes)
                .build();
    }

    private Scopes scopesOf(Principal principal, Auth a) {
        HttpMcpSession s = sessions.get(principal);
        return s != null ? s.scopes(a) : a.scopes();
    }

    // ------------------------------------------------------------------------------------------------ sessions

    @Override
    public void closeSessions(Principal principal) {
        HttpMcpSession s = sessions.remove(principal);
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Principal p : List.copyOf(sessions.keySet())) {
            closeSessions(p);
        }
    }

    private void closeQuietly(McpSyncClient client) {
        try {
            client.closeGracefully();
        } catch (RuntimeException e) {
            log.debug("MCP server {}: closing a session failed: {}", config.id, e.getClass().getSimpleName());
        }
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().toLowerCase(Locale.ROOT).equals(b.getHost().toLowerCase(Locale.ROOT))
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : ("https".equalsIgnoreCase(u.getScheme()) ? 443 : 80);
    }

    @Override
    public String toString() {
        return "AuthenticatedMcpServer[" + config.id + ", " + (config.sse ? "sse " : "streamable-http ") + endpoint
                + ", sessions=" + sessions.size() + "]";
    }
}
