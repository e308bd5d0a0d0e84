package dev.agentauth.mcp;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.mcp.auth.McpAuthorization;
import dev.agentauth.mcp.auth.WwwAuthenticate;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.spec.McpClientTransport;
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
    private record Auth(ProviderId provider, Scopes scopes) {
    }

    private final HttpMcpServerBuilder config;
    private final TokenBroker broker;
    private final URI endpoint;
    private final ToolCatalog catalog;
    private final ConcurrentHashMap<Principal, Session> sessions = new ConcurrentHashMap<>();
    /** Authorizations caused per (principal, operation) since its last success: bounds step-up loops. */
    private final ConcurrentHashMap<String, Integer> authorizations = new ConcurrentHashMap<>();
    private volatile Auth auth;
    private volatile boolean closed;

    HttpMcpServer(HttpMcpServerBuilder config) {
        this.config = config;
        this.broker = config.broker;
        this.endpoint = config.endpoint;
        this.catalog = new ToolCatalog(config.clock, config.toolCatalogTtl);
        this.auth = config.provider != null ? new Auth(config.provider, config.scopes) : null;
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
     * Runs {@code call} on {@code principal}'s session with their token: refresh once and retry once on 401, new
     * consent after that; step-up consent on 403 insufficient_scope, bounded by {@link #MAX_AUTHORIZATIONS}.
     */
    <T> McpResult<T> invoke(Principal principal, String operation, Function<McpSyncClient, T> call) {
        Objects.requireNonNull(principal, "principal");
        if (closed) {
            throw new IllegalStateException("MCP server '" + config.id + "' is closed");
        }
        String attemptKey = principal + "|" + operation;
        Session session = sessions.computeIfAbsent(principal, Session::new);
        boolean refreshed = false;
        for (int round = 0; round < 5; round++) {
            Auth a = auth;
            TokenRequest request = null;
            if (a != null) {
                request = request(principal, a, session.scopes(a));
                TokenResult r = broker.token(request);
                if (r instanceof TokenResult.ConsentRequired c) {
                    return consent(attemptKey, c.consent());
                }
                session.token = ((TokenResult.Granted) r).token();
            }
            try {
                T value = session.call(call);
                authorizations.remove(attemptKey);
                return new McpResult.Completed<>(value);
            } catch (RuntimeException e) {
                AuthFailure failure = AuthFailure.of(e);
                if (failure == null) {
                    throw e;
                }
                if (failure.status() == 401) {
                    if (a == null) {
                        discover(failure.challenge());
                        continue;
                    }
                    session.addScopes(failure.challenge().scope());
                    if (!refreshed && session.token != null) {
                        // RFC 6750 §3.1 invalid_token: the broker refreshes once (or hands over a newer token).
                        refreshed = true;
                        TokenResult r = broker.reportRejected(request, session.token);
                        if (r instanceof TokenResult.ConsentRequired c) {
                            return consent(attemptKey, c.consent());
                        }
                        continue;
                    }
                    // Refused again after a refresh: only the user can fix it.
                    log.info("MCP server {}: token of {} refused after refresh; asking for consent", config.id,
                            principal);
                    return forcedConsent(attemptKey, principal, a, session);
                }
                if (failure.status() == 403 && failure.challenge().insufficientScope() && a != null) {
                    int done = authorizations.getOrDefault(attemptKey, 0);
                    if (done >= MAX_AUTHORIZATIONS) {
                        authorizations.remove(attemptKey);
                        throw new InsufficientScopeException("MCP server '" + config.id + "' still refuses "
                                + operation + " for " + principal + " (insufficient_scope) after " + done
                                + " authorizations; the user cannot grant what it needs", a.provider(), principal);
                    }
                    // Step-up (MCP 2025-11-25): keep what was granted, add what the server asks for.
                    session.addScopes(failure.challenge().scope());
                    if (session.token != null) {
                        session.addScopes(session.token.scopes());
                    }
                    log.info("MCP server {}: {} needs more scope for {}: step-up consent for [{}]", config.id,
                            principal, operation, session.scopes(a));
                    return forcedConsent(attemptKey, principal, a, session);
                }
                throw e;
            }
        }
        throw new AgentAuthException("MCP server '" + config.id + "' kept refusing " + operation + " for "
                + principal + "; giving up", auth != null ? auth.provider() : null, principal);
    }

    private <T> McpResult<T> forcedConsent(String attemptKey, Principal principal, Auth a, Session session) {
        if (config.flow != Flow.USER_CONSENT) {
            throw new AgentAuthException("MCP server '" + config.id + "' refused the token of " + principal
                    + " and the " + config.flow + " flow cannot ask a user", a.provider(), principal);
        }
        TokenResult r = broker.token(request(principal, a, session.scopes(a)).withForceConsent(true));
        if (r instanceof TokenResult.ConsentRequired c) {
            return consent(attemptKey, c.consent());
        }
        throw new AgentAuthException("the broker answered a forced consent with a token", a.provider(), principal);
    }

    private <T> McpResult<T> consent(String attemptKey, ConsentRequirement consent) {
        authorizations.merge(attemptKey, 1, Integer::sum);
        return new McpResult.ConsentRequired<>(consent);
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
        Session s = sessions.get(principal);
        return s != null ? s.scopes(a) : a.scopes();
    }

    // ------------------------------------------------------------------------------------------------ sessions

    @Override
    public void closeSessions(Principal principal) {
        Session s = sessions.remove(principal);
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

    /** One principal's MCP client session; the request customizer reads its current token on every request. */
    private final class Session {
        private final Principal principal;
        private volatile AccessToken token;
        private volatile Scopes extraScopes = Scopes.NONE;
        private McpSyncClient client;
        private boolean initialized;

        Session(Principal principal) {
            this.principal = principal;
        }

        Scopes scopes(Auth a) {
            return a.scopes().union(extraScopes);
        }

        synchronized void addScopes(Scopes scopes) {
            extraScopes = extraScopes.union(scopes);
        }

        <T> T call(Function<McpSyncClient, T> call) {
            return call.apply(initialized());
        }

        private synchronized McpSyncClient initialized() {
            if (client == null) {
                client = McpClient.sync(transport()).requestTimeout(config.requestTimeout)
                        .initializationTimeout(config.requestTimeout)
                        .clientInfo(new McpSchema.Implementation("agent-auth", "0.1.0")).build();
                initialized = false;
            }
            if (!initialized) {
                try {
                    if (config.sse) {
                        probeSseEndpoint();
                    }
                    client.initialize();
                    initialized = true;
                } catch (RuntimeException e) {
                    // A refused initialize leaves the SDK client unusable: start afresh on the next attempt.
                    closeQuietly(client);
                    client = null;
                    throw e;
                }
            }
            return client;
        }

        /**
         * The legacy SSE transport of the SDK does not report a refused SSE stream (it waits for the {@code endpoint}
         * event until its timeout), so the stream is opened once here first: a 401 or 403 surfaces at once, with its
         * {@code WWW-Authenticate} challenge, and drives the same refresh, retry and consent as Streamable HTTP.
         */
        private void probeSseEndpoint() {
            AccessToken t = token;
            java.net.http.HttpRequest.Builder probe = java.net.http.HttpRequest.newBuilder(endpoint)
                    .timeout(config.requestTimeout).header("Accept", "text/event-stream").GET();
            if (t != null) {
                probe.header("Authorization", "Bearer " + t.value());
            }
            java.net.http.HttpResponse<java.io.InputStream> response;
            try {
                response = SSE_PROBE.send(probe.build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            } catch (java.io.IOException e) {
                return; // the SDK's own connection attempt reports the network failure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AgentAuthException("interrupted while connecting to MCP server '" + config.id + "'",
                        null, principal);
            }
            try {
                response.body().close(); // the stream itself is the SDK's to open
            } catch (java.io.IOException ignored) {
                // closing an aborted stream
            }
            int status = response.statusCode();
            if (status == 401 || status == 403) {
                java.net.http.HttpHeaders headers = response.headers();
                throw new io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException(
                        "MCP server '" + config.id + "' refused the SSE stream (HTTP " + status + ")", null,
                        new java.net.http.HttpResponse.ResponseInfo() {
                            @Override
                            public int statusCode() {
                                return status;
                            }

                            @Override
                            public java.net.http.HttpHeaders headers() {
                                return headers;
                            }

                            @Override
                            public java.net.http.HttpClient.Version version() {
                                return response.version();
                            }
                        });
            }
        }

        private McpClientTransport transport() {
            McpSyncHttpClientRequestCustomizer bearer = (builder, method, uri, body, context) -> {
                AccessToken t = token;
                if (t == null) {
                    return;
                }
                if (sameOrigin(uri, endpoint)) {
                    builder.setHeader("Authorization", "Bearer " + t.value());
                } else {
                    // MCP 2025-11-25 "Token Handling": never send a token to another server than it was issued for.
                    log.warn("MCP server {}: request to {} is not on the server's origin; sent without token",
                            config.id, uri.getHost());
                }
            };
            String base = endpoint.getScheme() + "://" + endpoint.getRawAuthority();
            String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/"
                    : endpoint.getRawPath();
            if (endpoint.getRawQuery() != null) {
                path += "?" + endpoint.getRawQuery();
            }
            if (config.sse) {
                return HttpClientSseClientTransport.builder(base).sseEndpoint(path).httpRequestCustomizer(bearer)
                        .connectTimeout(config.connectTimeout).build();
            }
            return HttpClientStreamableHttpTransport.builder(base).endpoint(path).httpRequestCustomizer(bearer)
                    .connectTimeout(config.connectTimeout).build();
        }

        synchronized void close() {
            if (client != null) {
                closeQuietly(client);
                client = null;
            }
            token = null;
        }

        @Override
        public String toString() {
            return "Session[" + principal + "]";
        }
    }

    private void closeQuietly(McpSyncClient client) {
        try {
            client.closeGracefully();
        } catch (RuntimeException e) {
            log.debug("MCP server {}: closing a session failed: {}", config.id, e.getClass().getSimpleName());
        }
    }

    private static final java.net.http.HttpClient SSE_PROBE = java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(10)).build();

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
