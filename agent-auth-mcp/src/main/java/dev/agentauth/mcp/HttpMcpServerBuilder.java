package dev.agentauth.mcp;

import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.mcp.auth.McpAuthorization;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Builds an HTTP {@link AuthenticatedMcpServer} (Streamable HTTP or legacy SSE). Either a configured provider
 * ({@link #provider}) or MCP authorization discovery ({@link #authorization}) supplies the tokens. Not thread-safe.
 */
public final class HttpMcpServerBuilder {

    final String id;
    final URI endpoint;
    final boolean sse;
    TokenBroker broker;
    ProviderId provider;
    Scopes scopes = Scopes.NONE;
    Flow flow = Flow.USER_CONSENT;
    Reauthorization reauthorization;
    McpAuthorization authorization;
    String displayName;
    Duration requestTimeout = Duration.ofSeconds(60);
    Duration connectTimeout = Duration.ofSeconds(10);
    Duration toolCatalogTtl = Duration.ofMinutes(5);
    boolean sharedToolCatalog = true;
    Principal catalogPrincipal;
    Clock clock = Clock.systemUTC();
    McpRevision revision = McpRevision.AUTO;
    McpElicitation elicitation;

    HttpMcpServerBuilder(String id, URI endpoint, boolean sse) {
        this.id = Objects.requireNonNull(id, "id");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        if (!endpoint.isAbsolute() || endpoint.getHost() == null) {
            throw new IllegalArgumentException("MCP server endpoint must be an absolute http(s) URL: " + endpoint);
        }
        this.sse = sse;
    }

    /** The broker that holds users' tokens. Required. */
    public HttpMcpServerBuilder broker(TokenBroker broker) {
        this.broker = Objects.requireNonNull(broker, "broker");
        return this;
    }

    /** Tokens come from this configured provider, with these scopes (exclusive with {@link #authorization}). */
    public HttpMcpServerBuilder provider(String providerId, String... scopes) {
        this.provider = ProviderId.of(providerId);
        this.scopes = Scopes.of(scopes);
        return this;
    }

    /**
     * The policy {@link Reauthorization#run} applies to this server's 401 and 403 {@code insufficient_scope} answers:
     * refreshes per call, consents per (principal, authorization server, operation) across calls. Default:
     * {@link Reauthorization#defaults()}, one refresh and three authorizations (the first consent included), then
     * {@link StepUpExhaustedException}. Neither limit is spent on what is no refusal of the token: a DPoP
     * {@code use_dpop_nonce} challenge (one retry of the request with the nonce) or, for a discovered server, a move to
     * another authorization server (one per call; the consents given to the old one count no more).
     *
     * @since 0.2.0
     */
    public HttpMcpServerBuilder reauthorization(Reauthorization policy) {
        this.reauthorization = java.util.Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** {@link Flow#USER_CONSENT} (default) or {@link Flow#CLIENT_CREDENTIALS} for an agent acting as itself. */
    public HttpMcpServerBuilder flow(Flow flow) {
        this.flow = Objects.requireNonNull(flow, "flow");
        return this;
    }

    /** Discover the server's authorization server per the MCP specification on its first 401. */
    public HttpMcpServerBuilder authorization(McpAuthorization authorization) {
        this.authorization = Objects.requireNonNull(authorization, "authorization");
        return this;
    }

    /** Shown on consent cards for discovered providers (default: the server's host). */
    public HttpMcpServerBuilder displayName(String displayName) {
        this.displayName = displayName;
        return this;
    }

    /** How long one MCP request may take (default 60 s). */
    public HttpMcpServerBuilder requestTimeout(Duration timeout) {
        this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    public HttpMcpServerBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /** How long a tool list is served from the shared catalog (default 5 min). */
    public HttpMcpServerBuilder toolCatalogTtl(Duration ttl) {
        this.toolCatalogTtl = Objects.requireNonNull(ttl, "ttl");
        return this;
    }

    /** Whether one tool list serves every user (default true); false for servers that tailor tools per user. */
    public HttpMcpServerBuilder sharedToolCatalog(boolean shared) {
        this.sharedToolCatalog = shared;
        return this;
    }

    /**
     * A principal whose token lists tools for the shared catalog without any user, e.g.
     * {@code Principal.agent("catalog")} with {@link Flow#CLIENT_CREDENTIALS} providers.
     */
    public HttpMcpServerBuilder catalogPrincipal(Principal principal) {
        this.catalogPrincipal = principal;
        return this;
    }

    /**
     * Which revision of the MCP specification the server is spoken to in (default {@link McpRevision#AUTO}: probed
     * with {@code server/discover}, falling back to {@code initialize}). Legacy HTTP+SSE servers always use the
     * {@code initialize} handshake.
     *
     * @since 0.2.0
     */
    public HttpMcpServerBuilder revision(McpRevision revision) {
        this.revision = Objects.requireNonNull(revision, "revision");
        return this;
    }

    /**
     * Answers the server's requests for input from the user (form elicitation, and the input requests of 2026-07-28
     * multi-round-trip calls), e.g. {@link McpElicitation#declineAll()} or a bridge to the chat UI. Without one, no
     * elicitation capability is declared.
     *
     * @since 0.2.0
     */
    public HttpMcpServerBuilder elicitation(McpElicitation elicitation) {
        this.elicitation = Objects.requireNonNull(elicitation, "elicitation");
        return this;
    }

    public HttpMcpServerBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
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
        if (broker == null) {
            throw new IllegalStateException("MCP server '" + id + "': broker(...) is required");
        }
        if ((provider == null) == (authorization == null)) {
            throw new IllegalStateException("MCP server '" + id + "': set exactly one of provider(...) and"
                    + " authorization(...)");
        }
        if (provider != null) {
            BuildChecks.consentReachable(id, broker, provider, flow);
        }
        return new HttpMcpServer(this);
    }
}
