package dev.agentauth.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
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
 * SDK's servlet, on both wires) protected by the project's {@link BearerTokenServletFilter}, behind a resource
 * server that demands a nonce of its own: each nonce challenge is answered by exactly one retry, and every request
 * carries {@code Authorization: DPoP} with a fresh proof that the filter verifies.
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
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(List.of(McpServerFeatures.SyncToolSpecification.builder()
                        .tool(McpSchema.Tool.builder().name("whoami").description("subject")
                                .inputSchema(Map.of("type", "object")).build())
                        .callHandler((ex, req) -> McpSchema.CallToolResult.builder()
                                .addTextContent(String.valueOf(ex.transportContext().get("subject"))).build())
                        .build()))
                .build();
        ServletHolder legacyHolder = new ServletHolder(legacy);
        legacyHolder.setAsyncSupported(true);
        context.addServlet(legacyHolder, "/mcp");

        io.modelcontextprotocol.modern.server.McpServer modern = io.modelcontextprotocol.modern.server.McpServer
                .builder().serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
                        .builder("dpop-http-2026", "1.0").build())
                .feature(io.modelcontextprotocol.modern.server.feature.ToolsFeature.ofSync(
                        dev.agentauth.mcp.testing.ModernTools.of(List.of(dev.agentauth.mcp.testing.ModernTools.text(
                                "whoami", "subject", Map.of("type", "object"),
                                (ctx, req) -> String.valueOf(ctx.transportContext().get("subject")))))))
                .build();
        ServletHolder modernHolder = new ServletHolder(io.modelcontextprotocol.modern.server.transport
                .HttpServletMcpTransport.builder(modern).endpoint("/mcp/v2026").contextExtractor(DpopMcpTest::caller)
                .build());
        modernHolder.setAsyncSupported(true);
        context.addServlet(modernHolder, "/mcp/v2026");

        TokenVerifier verifier = TokenVerifier.builder().issuer(issuer.issuer()).audience("tools-mcp").build();
        FilterHolder nonce = new FilterHolder(new NonceFilter());
        FilterHolder auth = new FilterHolder(BearerTokenServletFilter.create(verifier,
                ProtectedResourceMetadata.of(base + "/mcp", issuer.issuer())));
        nonce.setAsyncSupported(true);
        auth.setAsyncSupported(true);
        for (String path : List.of("/mcp", "/mcp/v2026")) {
            context.addFilter(nonce, path, EnumSet.of(DispatcherType.REQUEST));
            context.addFilter(auth, path, EnumSet.of(DispatcherType.REQUEST));
        }
        jetty.setHandler(context);
        jetty.start();
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
    }

    private static McpTransportContext caller(HttpServletRequest request) {
        Object token = request.getAttribute(VerifiedToken.ATTRIBUTE);
        return token instanceof VerifiedToken t ? McpTransportContext.create(Map.of("subject", t.subject()))
                : McpTransportContext.EMPTY;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/mcp", "/mcp/v2026"})
    void aDpopBoundTokenReachesTheToolAndEachNonceChallengeIsRetriedOnce(String path) throws Exception {
        try (TokenBroker broker = TokenBroker.builder().eagerDiscovery(false)
                .provider(Provider.oauth2("as").tokenEndpoint(as.tokenEndpoint().toString()).clientId("client")
                        .clientSecret("s3cret").dpop(true).build()).build();
             AuthenticatedMcpServer mcp = AuthenticatedMcpServer
                     .streamableHttp("tools", URI.create("http://127.0.0.1:" + port + path))
                     .broker(broker).provider("as").flow(Flow.CLIENT_CREDENTIALS).build()) {
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
            assertThat(last.getJWTClaimsSet().getStringClaim("htu")).isEqualTo("http://127.0.0.1:" + port + path);
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
                if (!RS_NONCE.equals(nonce)) {
                    nonceChallenges.incrementAndGet();
                    response.setStatus(401);
                    response.setHeader("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\", algs=\"ES256\"");
                    response.setHeader("DPoP-Nonce", RS_NONCE);
                    return;
                }
            }
            chain.doFilter(req, res);
        }
    }
}
