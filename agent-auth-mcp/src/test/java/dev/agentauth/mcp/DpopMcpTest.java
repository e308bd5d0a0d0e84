package dev.agentauth.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.DpopAuthorizationServer;
import dev.agentauth.core.testing.TestIssuer;
import dev.agentauth.mcp.testing.McpFixtures;
import dev.agentauth.verify.BearerTokenServletFilter;
import dev.agentauth.verify.ProtectedResourceMetadata;
import dev.agentauth.verify.TokenVerifier;
import dev.agentauth.verify.VerifiedToken;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DPoP between the project's own parts, over real HTTP: an {@link AuthenticatedMcpServer} gets a DPoP-bound token
 * (from a token endpoint that demands a nonce and binds the token to the proof's key) and calls an MCP server (the
 * SDK's servlets: 2026-07-28, the {@code initialize} handshake over Streamable HTTP, legacy SSE) protected by the
 * project's {@link BearerTokenServletFilter}, behind a resource server that demands a nonce of its own: each nonce
 * challenge is answered by exactly one retry of that request ({@code DpopNonceRetry}, on every wire), every request
 * carries {@code Authorization: DPoP} with a fresh proof that the filter verifies, and a nonce challenge is never taken
 * for a refused token.
 */
class DpopMcpTest {

    static TestIssuer issuer;
    static DpopAuthorizationServer as;
    static Server jetty;
    static int port;
    static final List<String> proofs = new CopyOnWriteArrayList<>();
    static final List<String> schemes = new CopyOnWriteArrayList<>();
    static final AtomicInteger nonceChallenges = new AtomicInteger();
    static final String RS_NONCE = "rs-nonce-7";
    /** A server that wants a new nonce on every request, however fresh the proof's. */
    static volatile boolean rotatingNonce;
    /** Requests (past the nonce check) to answer {@code 401 invalid_token}, as for a token the server stopped trusting. */
    static final AtomicInteger refuseTokens = new AtomicInteger();
    static final AtomicInteger invalidTokenAnswers = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        issuer = TestIssuer.start();
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.start(); // the port first: the resource metadata names it
        port = connector.getLocalPort();
        jetty.stop();
        connector.setPort(port);
        String base = "http://127.0.0.1:" + port;
        as = DpopAuthorizationServer.start(issuer, "tools-mcp");

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        HttpServletStreamableServerTransportProvider legacy = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(McpJsonDefaults.getMapper()).mcpEndpoint("/mcp").contextExtractor(DpopMcpTest::caller)
                .build();
        McpServer.sync(legacy).serverInfo("dpop-http", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build()).tools(whoami()).build();
        serve(context, legacy, "/mcp");

        io.modelcontextprotocol.modern.server.McpServer modern = io.modelcontextprotocol.modern.server.McpServer
                .builder().serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
                        .builder("dpop-http-2026", "1.0").build())
                .feature(io.modelcontextprotocol.modern.server.feature.ToolsFeature.ofSync(
                        dev.agentauth.mcp.testing.ModernTools.of(List.of(dev.agentauth.mcp.testing.ModernTools.text(
                                "whoami", "subject", Map.of("type", "object"),
                                (ctx, req) -> String.valueOf(ctx.transportContext().get("subject")))))))
                .build();
        serve(context, io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport.builder(modern)
                .endpoint("/mcp/v2026").contextExtractor(DpopMcpTest::caller).build(), "/mcp/v2026");

        io.modelcontextprotocol.server.transport.HttpServletSseServerTransportProvider sse =
                io.modelcontextprotocol.server.transport.HttpServletSseServerTransportProvider.builder()
                        .jsonMapper(McpJsonDefaults.getMapper()).sseEndpoint("/sse").messageEndpoint("/message")
                        .contextExtractor(DpopMcpTest::caller).build();
        McpServer.sync(sse).serverInfo("dpop-sse", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build()).tools(whoami()).build();
        serve(context, sse, "/sse", "/message");

        TokenVerifier verifier = TokenVerifier.builder().issuer(issuer.issuer()).audience("tools-mcp").build();
        FilterHolder nonce = new FilterHolder(new NonceFilter());
        FilterHolder auth = new FilterHolder(BearerTokenServletFilter.create(verifier,
                ProtectedResourceMetadata.of(base + "/mcp", issuer.issuer())));
        nonce.setAsyncSupported(true);
        auth.setAsyncSupported(true);
        for (String path : List.of("/mcp", "/mcp/v2026", "/sse", "/message")) {
            context.addFilter(nonce, path, EnumSet.of(DispatcherType.REQUEST));
            context.addFilter(auth, path, EnumSet.of(DispatcherType.REQUEST));
        }
        jetty.setHandler(context);
        jetty.start();
    }

    private static void serve(ServletContextHandler context, jakarta.servlet.Servlet servlet, String... paths) {
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(true);
        for (String path : paths) {
            context.addServlet(holder, path);
        }
    }

    /** The handshake servers' one tool: the verified token's subject. */
    private static List<McpServerFeatures.SyncToolSpecification> whoami() {
        return List.of(McpServerFeatures.SyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder().name("whoami").description("subject")
                        .inputSchema(Map.of("type", "object")).build())
                .callHandler((ex, req) -> McpSchema.CallToolResult.builder()
                        .addTextContent(String.valueOf(ex.transportContext().get("subject"))).build())
                .build());
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.stop();
        as.close();
        issuer.close();
    }

    @BeforeEach
    void reset() {
        proofs.clear();
        schemes.clear();
        nonceChallenges.set(0);
        as.requests.set(0);
        rotatingNonce = false;
        refuseTokens.set(0);
        invalidTokenAnswers.set(0);
    }

    private static McpTransportContext caller(HttpServletRequest request) {
        Object token = request.getAttribute(VerifiedToken.ATTRIBUTE);
        return token instanceof VerifiedToken t ? McpTransportContext.create(Map.of("subject", t.subject()))
                : McpTransportContext.EMPTY;
    }

    /** The wires: Streamable HTTP probed (2026-07-28 or a fallback), pinned to the handshake, and legacy SSE. */
    static AuthenticatedMcpServer mcp(TokenBroker broker, String wire) {
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpMcpServerBuilder b = switch (wire) {
            case "2026-07-28" -> AuthenticatedMcpServer.streamableHttp("tools", base.resolve("/mcp/v2026"));
            case "probed-handshake" -> AuthenticatedMcpServer.streamableHttp("tools", base.resolve("/mcp"));
            case "handshake" -> AuthenticatedMcpServer.streamableHttp("tools", base.resolve("/mcp"))
                    .revision(McpRevision.V2025_11_25);
            case "sse" -> AuthenticatedMcpServer.sse("tools", base.resolve("/sse"));
            default -> throw new IllegalArgumentException(wire);
        };
        return b.broker(broker).provider("as").flow(Flow.CLIENT_CREDENTIALS).build();
    }

    static TokenBroker broker() {
        return TokenBroker.builder().eagerDiscovery(false)
                .provider(Provider.oauth2("as").tokenEndpoint(as.tokenEndpoint().toString()).clientId("client")
                        .clientSecret("s3cret").dpop(true).build()).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-07-28", "probed-handshake", "handshake", "sse"})
    void aDpopBoundTokenReachesTheToolAndEachNonceChallengeIsRetriedOnce(String wire) throws Exception {
        try (TokenBroker broker = broker(); AuthenticatedMcpServer mcp = mcp(broker, wire)) {
            String who = McpFixtures.text(mcp.callTool(Principal.agent("bot"), "whoami", Map.of()));

            assertThat(who).isEqualTo("dpop-agent");
            assertThat(as.requests.get()).as("token requests: one nonce challenge, one retry").isEqualTo(2);
            assertThat(nonceChallenges.get()).as("the resource server's nonce challenge was answered once")
                    .isEqualTo(1);
            assertThat(schemes).isNotEmpty().allMatch("DPoP"::equals);
            assertThat(proofs).doesNotHaveDuplicates().doesNotContain("none");
            SignedJWT last = SignedJWT.parse(proofs.get(proofs.size() - 1));
            assertThat(last.getJWTClaimsSet().getStringClaim("nonce")).isEqualTo(RS_NONCE);
            assertThat(last.getJWTClaimsSet().getStringClaim("ath")).isNotBlank();
            assertThat(last.getJWTClaimsSet().getStringClaim("htu")).isEqualTo("http://127.0.0.1:" + port
                    + switch (wire) {
                        case "2026-07-28" -> "/mcp/v2026";
                        case "sse" -> "/message"; // the SSE session's POSTs; htu has no query (RFC 9449 §4.2)
                        default -> "/mcp";
                    });
        }
    }

    /**
     * Regression (issue 21): a nonce is retried once per request, on the wire, and is no refusal of the token. A server
     * that wants a new nonce every time gets each request twice, then the call fails as retryable — no token is
     * refreshed (the policy's refresh is not spent on it) and nobody is asked to consent.
     */
    @ParameterizedTest
    @ValueSource(strings = {"2026-07-28", "probed-handshake", "handshake", "sse"})
    void callToolWhenServerWantsANewNonceEveryTimeThenTheRequestIsRetriedOnceAndNoTokenRefreshed(String wire) {
        rotatingNonce = true;
        try (TokenBroker broker = broker(); AuthenticatedMcpServer mcp = mcp(broker, wire)) {
            assertThatThrownBy(() -> mcp.callTool(Principal.agent("bot"), "whoami", Map.of()))
                    .isInstanceOfSatisfying(AgentAuthException.class, e -> {
                        assertThat(e.oauthError()).isEqualTo("use_dpop_nonce");
                        assertThat(e.retryable()).isTrue();
                        assertThat(e).isNotInstanceOf(dev.agentauth.core.ConfigurationException.class)
                                .isNotInstanceOf(StepUpExhaustedException.class)
                                .hasMessageContaining("asked for a new DPoP nonce again after 1 retry");
                    });
            assertThat(nonceChallenges.get()).as("the first request and its one retry").isEqualTo(2);
            assertThat(as.requests.get()).as("the first token only (with the token endpoint's nonce retry)")
                    .isEqualTo(2);
            assertThat(proofs).hasSize(2).doesNotHaveDuplicates();
        }
    }

    /**
     * Regression (issue 21): the nonce retry and the 401 policy are separate counts. A nonce challenge, then
     * {@code 401 invalid_token} on the retry: the policy's one refresh is still there, spent once, and the call
     * succeeds.
     */
    @ParameterizedTest
    @ValueSource(strings = {"2026-07-28", "probed-handshake", "handshake", "sse"})
    void callToolWhenNonceChallengeThenInvalidTokenThenOneRefreshAndTheCallSucceeds(String wire) {
        refuseTokens.set(1);
        try (TokenBroker broker = broker(); AuthenticatedMcpServer mcp = mcp(broker, wire)) {
            assertThat(McpFixtures.text(mcp.callTool(Principal.agent("bot"), "whoami", Map.of())))
                    .isEqualTo("dpop-agent");

            assertThat(nonceChallenges.get()).isEqualTo(1);
            assertThat(invalidTokenAnswers.get()).isEqualTo(1);
            assertThat(as.requests.get()).as("the first token (nonce challenge and retry), then one refresh")
                    .isEqualTo(3);
        }
    }

    /** A resource server that wants its own nonce in every proof (RFC 9449 §9), in front of the project's filter. */
    static final class NonceFilter implements Filter {
        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
                throws IOException, jakarta.servlet.ServletException {
            HttpServletRequest request = (HttpServletRequest) req;
            HttpServletResponse response = (HttpServletResponse) res;
            String authorization = request.getHeader("Authorization");
            String proof = request.getHeader("DPoP");
            if (authorization != null) {
                schemes.add(authorization.substring(0, authorization.indexOf(' ')));
                proofs.add(proof == null ? "none" : proof);
            }
            if (proof != null) {
                String nonce = null;
                try {
                    nonce = SignedJWT.parse(proof).getJWTClaimsSet().getStringClaim("nonce");
                } catch (java.text.ParseException e) {
                    // the project's filter refuses it
                }
                if (rotatingNonce || !RS_NONCE.equals(nonce)) {
                    int n = nonceChallenges.incrementAndGet();
                    response.setStatus(401);
                    response.setHeader("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\", algs=\"ES256\"");
                    response.setHeader("DPoP-Nonce", rotatingNonce ? "rotated-" + n : RS_NONCE);
                    return;
                }
                if (refuseTokens.getAndUpdate(r -> Math.max(0, r - 1)) > 0) {
                    invalidTokenAnswers.incrementAndGet();
                    response.setStatus(401);
                    response.setHeader("WWW-Authenticate", "DPoP error=\"invalid_token\", algs=\"ES256\"");
                    return;
                }
            }
            chain.doFilter(req, res);
        }
    }
}
