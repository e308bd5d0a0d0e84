package dev.agentauth.mcp;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.mcp.auth.McpAuthorization;
import dev.agentauth.mcp.auth.WwwAuthenticate;
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
    record Auth(ProviderId provider, Scopes scopes, String authorizationServer) {
    }

    private final HttpMcpServerBuilder config;
    private final TokenBroker broker;
    private final URI endpoint;
    private final ToolCatalog catalog;
    private final ConcurrentHashMap<Principal, HttpMcpSession> sessions = new ConcurrentHashMap<>();
    /** The revision the server is spoken to in; {@code AUTO} until the first session's probe decided it. */
    private final java.util.concurrent.atomic.AtomicReference<McpRevision> revision;
    /** How 401 and 403 are answered; counts authorizations per (principal, operation) across calls. */
    private final Reauthorization reauthorization;
    private volatile Auth auth;
    private volatile boolean closed;

    HttpMcpServer(HttpMcpServerBuilder config) {
        this.config = config;
        this.broker = config.broker;
        this.endpoint = config.endpoint;
        this.catalog = new ToolCatalog(config.clock, config.toolCatalogTtl);
        this.auth = config.provider != null ? new Auth(config.provider, config.scopes, null) : null;
        this.revision = new java.util.concurrent.atomic.AtomicReference<>(config.revision);
        this.reauthorization = config.reauthorization != null ? config.reauthorization : Reauthorization.defaults();
    }


    @Override
    public String id() {
        return config.id;
    }

    // --------------------------------------------------------------------------------------------- operations

    @Override
    public McpResult<List<McpSchema.Tool>> listTools(Principal principal) {
        return catalog.list(config.sharedToolCatalog, () -> invoke(principal, "tools/list", McpWire::listTools));
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
            try {
                // Only principals that hold a token now: listing must never start a consent.
                TokenResult r = broker.token(request(p, a, scopesOf(p, a)));
                if (r instanceof TokenResult.Granted) {
                    McpResult<List<McpSchema.Tool>> listed = invoke(p, "tools/list", McpWire::listTools);
                    if (listed instanceof McpResult.Completed<List<McpSchema.Tool>> c) {
                        catalog.put(c.value());
                        return Optional.of(c.value());
                    }
                }
            } catch (AgentAuthException e) {
                // Best effort: the last known list serves; a tool call meets (and reports) the failure itself.
                log.debug("MCP server {}: tool list not refreshed for {}: {}", config.id, p, e.getClass().getName());
            }
        }
        return catalog.any();
    }

    @Override
    public McpResult<McpSchema.CallToolResult> callTool(Principal principal, String name,
                                                       Map<String, Object> arguments) {
        Objects.requireNonNull(name, "name");
        Map<String, Object> args = arguments == null ? Map.of() : arguments;
        return invoke(principal, "tools/call " + name, wire -> wire.callTool(name, args));
    }

    /** The revision the server is spoken to in ({@link McpRevision#AUTO} until the first call decided it). */
    McpRevision revision() {
        return revision.get();
    }

    // ------------------------------------------------------------------------- the authorization state machine

    /** Moves to another authorization server one call may make (MCP 2026-07-28, SEP-2352). */
    static final int MAX_MOVES = 1;

    /**
     * Runs {@code call} on {@code principal}'s session with their token. Three concerns, each bounded on its own:
     * <ol>
     *   <li>a server without a known provider is called once without a token and authorized from its 401 challenge
     *       (MCP authorization discovery);</li>
     *   <li>its 401 and 403 {@code insufficient_scope} answers go to the one driver, {@link Reauthorization#run}, with
     *       the server's policy (refreshes, then consents, then giving up);</li>
     *   <li>a 401 after which the server's resource metadata names another authorization server ends that run
     *       without counting anything and starts one at the new server ({@link #MAX_MOVES} per call); consents are
     *       counted per authorization server, so those given to the old one use up none of the new one's.</li>
     * </ol>
     * A DPoP nonce challenge is none of these: {@link DpopNonceRetry} answers it on the wire, per HTTP request.
     */
    <T> McpResult<T> invoke(Principal principal, String operation, Function<McpWire, T> call) {
        Objects.requireNonNull(principal, "principal");
        if (closed) {
            throw new IllegalStateException("MCP server '" + config.id + "' is closed");
        }
        HttpMcpSession session = sessions.computeIfAbsent(principal, p -> new HttpMcpSession(config, p, revision));
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
        for (int moves = 0; moves < MAX_MOVES; moves++) {
            try {
                return reauthorized(session, principal, operation, call, a, true);
            } catch (AuthorizationServerMoved moved) {
                a = moved.to;
            }
        }
        return reauthorized(session, principal, operation, call, a, false);
    }

    /** One {@link Reauthorization#run} of {@code call} with tokens of {@code a}. */
    private <T> McpResult<T> reauthorized(HttpMcpSession session, Principal principal, String operation,
                                          Function<McpWire, T> call, Auth a, boolean mayMove) {
        TokenRequest first = request(principal, a, session.scopes(a));
        return reauthorization.run(broker, first, principal + "|" + a.provider() + "|" + operation,
                new Reauthorization.Call<>() {
                    @Override
                    public McpResult<T> attempt(AccessToken token, TokenRequest request)
                            throws Reauthorization.Refused {
                        session.token = token;
                        try {
                            return new McpResult.Completed<>(session.call(call));
                        } catch (RuntimeException e) {
                            throw refusal(e, token, a, mayMove, principal, operation);
                        }
                    }

                    @Override
                    public Optional<AccessToken> consent(ConsentRequirement consent) {
                        return Optional.empty(); // never waits: the consent is the caller's to show
                    }

                    @Override
                    public McpResult<T> unconsented(ConsentRequirement consent) {
                        return new McpResult.ConsentRequired<>(consent);
                    }

                    @Override
                    public McpResult<T> gaveUp(Reauthorization.Outcome.GiveUp why) {
                        String message = "MCP server '" + config.id + "' refuses " + operation + " for " + principal
                                + ": " + why.reason();
                        // Exhausted: the user granted all it asked for. Otherwise the server refuses the agent's own
                        // credential, which no user can fix (Flow.asksUser): the operator's configuration.
                        if (!why.exhausted() && !first.flow().asksUser()) {
                            throw new ConfigurationException(message, a.provider(), null);
                        }
                        throw new StepUpExhaustedException(message, a.provider(), principal);
                    }

                    @Override
                    public void widened(TokenRequest request) {
                        // What this principal's session needs, for its next token request.
                        session.addScopes(request.scopes());
                    }
                });
    }

    /**
     * The refusal a failed call is, for the driver; or throws what is no refusal: an {@link AuthorizationServerMoved},
     * a nonce asked for again, or {@code e} itself.
     */
    private Reauthorization.Refused refusal(RuntimeException e, AccessToken token, Auth a, boolean mayMove,
                                            Principal principal, String operation) {
        AuthFailure failure = AuthFailure.of(e);
        if (failure == null) {
            throw e;
        }
        if (failure.dpopNonceChallenge() && token.dpop().isPresent()) {
            // The wire retried with the server's nonce and was asked again: no refusal of the token.
            throw DpopNonceRetry.askedAgain(config.id, operation, a.provider(), principal);
        }
        if (failure.status() == 401) {
            if (mayMove && movedAuthorizationServer(a, failure.challenge())) {
                throw new AuthorizationServerMoved(auth);
            }
            return Reauthorization.Refused.unauthorized(failure.challenge().scope());
        }
        if (failure.status() == 403 && failure.challenge().insufficientScope()) {
            log.info("MCP server {}: {} needs more scope for {}: [{}]", config.id, principal, operation,
                    failure.challenge().scope());
            return Reauthorization.Refused.insufficientScope(failure.challenge().scope());
        }
        throw e;
    }

    /**
     * The server named another authorization server after a 401 (MCP 2026-07-28, SEP-2352): the run at the old one
     * ends, neither a success nor a refusal, and {@link #invoke} starts one at {@code to}. Control flow: no stack
     * trace.
     */
    private static final class AuthorizationServerMoved extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Auth to;

        AuthorizationServerMoved(Auth to) {
            super("authorization server moved", null, false, false);
            this.to = to;
        }
    }

    private synchronized void discover(WwwAuthenticate challenge) {
        if (auth != null) {
            return;
        }
        McpAuthorization.Discovered d = config.authorization.discover(endpoint, challenge,
                config.displayName != null ? config.displayName : config.id);
        auth = new Auth(d.provider().id(), d.scopes(), d.authorizationServer());
    }

    /**
     * Whether a 401 means the server moved to another authorization server: its protected resource metadata is read
     * again, and when it names another one, {@link #auth} becomes the new server's (a client registered there, not
     * the old credentials). Only for discovered servers; a configured provider is the application's choice.
     */
    private synchronized boolean movedAuthorizationServer(Auth current, WwwAuthenticate challenge) {
        if (config.provider != null || current.authorizationServer() == null) {
            return false;
        }
        if (auth != current) {
            return true; // another caller already moved
        }
        McpAuthorization.Discovered d;
        try {
            d = config.authorization.discover(endpoint, challenge,
                    config.displayName != null ? config.displayName : config.id);
        } catch (RuntimeException e) {
            log.debug("MCP server {}: re-reading its authorization after a 401 failed: {}", config.id,
                    e.getClass().getSimpleName());
            return false;
        }
        if (d.authorizationServer().equals(current.authorizationServer())) {
            return false;
        }
        log.info("MCP server {}: its authorization server changed from {} to {}", config.id,
                current.authorizationServer(), d.authorizationServer());
        auth = new Auth(d.provider().id(), d.scopes(), d.authorizationServer());
        return true;
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
