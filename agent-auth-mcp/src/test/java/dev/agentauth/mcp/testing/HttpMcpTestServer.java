package dev.agentauth.mcp.testing;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.server.transport.HttpServletSseServerTransportProvider;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A protected MCP server built with the MCP Java SDK's servlet transports (Streamable HTTP at {@code /mcp}, legacy
 * SSE at {@code /sse} + {@code /message}) on Jetty, 127.0.0.1, random port. It validates bearer tokens from the test
 * identity provider (signature via JWKS), answers 401 with an RFC 9728 {@code resource_metadata} challenge, 403
 * {@code insufficient_scope} for {@code admin-echo} without scope {@code mcp:admin}, serves its protected resource
 * metadata, and echoes the token's subject from tool {@code whoami}.
 */
public final class HttpMcpTestServer implements AutoCloseable {

    public static final String ADMIN_SCOPE = "mcp:admin";
    /** The capabilities the last client declared in its initialize request (2025-11-25 wire). */
    public static final java.util.concurrent.atomic.AtomicReference<McpSchema.ClientCapabilities> CLIENT_CAPABILITIES =
            new java.util.concurrent.atomic.AtomicReference<>();

    private final Server jetty;
    private volatile String issuer;
    private volatile BearerValidator validator;
    private final List<McpSyncServer> mcpServers = new CopyOnWriteArrayList<>();
    /** Every Authorization header value seen (to check which tokens reached this server). */
    public final List<String> authorizations = new CopyOnWriteArrayList<>();
    public final AtomicInteger unauthorized = new AtomicInteger();
    public final AtomicInteger forbidden = new AtomicInteger();
    /** Tokens this server treats as revoked (answered 401), as if the resource server had lost trust in them. */
    public final Set<String> revoked = ConcurrentHashMap.newKeySet();
    /** Subjects whose every token is refused (401). */
    public final Set<String> refusedSubjects = ConcurrentHashMap.newKeySet();
    /** The resource the metadata claims (null: this server's /mcp). */
    public volatile String metadataResourceOverride;
    /** The authorization server the metadata names (null: the identity provider). */
    public volatile String metadataAuthorizationServerOverride;
    private final int port;

    public HttpMcpTestServer(String issuer) {
        this.issuer = issuer;
        this.validator = new BearerValidator(issuer);
        this.jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");

        HttpServletStreamableServerTransportProvider streamable = HttpServletStreamableServerTransportProvider
                .builder().jsonMapper(McpJsonDefaults.getMapper()).mcpEndpoint("/mcp")
                .contextExtractor(HttpMcpTestServer::callerContext).build();
        mcpServers.add(McpServer.sync(streamable).serverInfo("test-http", "1.0").tools(tools())
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build()).build());
        ServletHolder holder = new ServletHolder(streamable);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/mcp");

        HttpServletSseServerTransportProvider sse = HttpServletSseServerTransportProvider.builder()
                .jsonMapper(McpJsonDefaults.getMapper()).sseEndpoint("/sse").messageEndpoint("/message")
                .contextExtractor(HttpMcpTestServer::callerContext).build();
        mcpServers.add(McpServer.sync(sse).serverInfo("test-sse", "1.0").tools(tools())
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build()).build());
        ServletHolder sseHolder = new ServletHolder(sse);
        sseHolder.setAsyncSupported(true);
        context.addServlet(sseHolder, "/sse");
        context.addServlet(sseHolder, "/message");

        // The same tools on the 2026-07-28 wire, on the SDK's modern server classes (stateless, _meta per request).
        io.modelcontextprotocol.modern.server.McpServer modern = io.modelcontextprotocol.modern.server.McpServer
                .builder().serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
                        .builder("test-http-2026", "1.0").build())
                .feature(io.modelcontextprotocol.modern.server.feature.ToolsFeature.ofSync(modernTools())).build();
        modernServer = modern;
        io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport modernTransport =
                io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport.builder(modern)
                        .endpoint("/mcp/v2026").contextExtractor(HttpMcpTestServer::callerContext).build();
        ServletHolder modernHolder = new ServletHolder(modernTransport);
        modernHolder.setAsyncSupported(true);
        context.addServlet(modernHolder, "/mcp/v2026");

        FilterHolder auth = new FilterHolder(new BearerFilter());
        auth.setAsyncSupported(true);
        for (String path : List.of("/mcp", "/mcp/v2026", "/sse", "/message")) {
            context.addFilter(auth, path, EnumSet.of(DispatcherType.REQUEST));
        }
        context.addServlet(new ServletHolder(new MetadataServlet()), "/.well-known/*");
        jetty.setHandler(context);
        try {
            jetty.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test MCP server", e);
        }
        this.port = connector.getLocalPort();
    }

    /**
     * Moves this server to another authorization server (MCP 2026-07-28, SEP-2352): its resource metadata names
     * {@code issuer}, and only that issuer's tokens are accepted from now on.
     */
    public void moveTo(String issuer) {
        this.validator = new BearerValidator(issuer);
        this.issuer = issuer;
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public URI mcpEndpoint() {
        return baseUri().resolve("/mcp");
    }

    /** The same tools on the 2026-07-28 wire (the SDK's modern server). */
    public URI modernEndpoint() {
        return baseUri().resolve("/mcp/v2026");
    }

    public URI sseEndpoint() {
        return baseUri().resolve("/sse");
    }

    public URI metadataUri() {
        return baseUri().resolve("/.well-known/oauth-protected-resource/mcp");
    }

    private io.modelcontextprotocol.modern.server.McpServer modernServer;

    private static io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository modernTools() {
        return ModernTools.of(List.of(
                ModernTools.text("whoami", "the token's subject", Map.of("type", "object"),
                        (ctx, request) -> modernSubject(ctx)),
                ModernTools.text("admin-echo", "needs scope mcp:admin", Map.of("type", "object", "properties",
                        Map.of("text", Map.of("type", "string"))),
                        (ctx, request) -> modernSubject(ctx) + ": " + request.arguments().get("text"))));
    }

    private static String modernSubject(io.modelcontextprotocol.modern.server.McpRequestContext ctx) {
        Object caller = ctx.transportContext().get("caller");
        return caller instanceof BearerValidator.Caller c ? c.subject() : "anonymous";
    }

    private static McpTransportContext callerContext(HttpServletRequest request) {
        Object caller = request.getAttribute("caller");
        return caller == null ? McpTransportContext.EMPTY : McpTransportContext.create(Map.of("caller", caller));
    }

    private static List<McpServerFeatures.SyncToolSpecification> tools() {
        McpSchema.Tool whoami = McpSchema.Tool.builder().name("whoami").description("the token's subject")
                .inputSchema(Map.of("type", "object")).build();
        McpSchema.Tool admin = McpSchema.Tool.builder().name("admin-echo").description("needs scope mcp:admin")
                .inputSchema(Map.of("type", "object", "properties", Map.of("text", Map.of("type", "string"))))
                .build();
        return List.of(
                McpServerFeatures.SyncToolSpecification.builder().tool(whoami)
                        .callHandler((exchange, request) -> {
                            CLIENT_CAPABILITIES.set(exchange.getClientCapabilities());
                            return text(subject(exchange));
                        }).build(),
                McpServerFeatures.SyncToolSpecification.builder().tool(admin)
                        .callHandler((exchange, request) -> text(subject(exchange) + ": "
                                + request.arguments().get("text"))).build());
    }

    private static String subject(McpSyncServerExchange exchange) {
        Object caller = exchange.transportContext().get("caller");
        return caller instanceof BearerValidator.Caller c ? c.subject() : "anonymous";
    }

    private static McpSchema.CallToolResult text(String s) {
        return McpSchema.CallToolResult.builder().addTextContent(s).isError(false).build();
    }

    /** The resource server's check of every request (RFC 6750 §3, MCP 2025-11-25 "Error Handling"). */
    private final class BearerFilter implements Filter {
        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
                throws IOException, jakarta.servlet.ServletException {
            HttpServletRequest request = (HttpServletRequest) req;
            HttpServletResponse response = (HttpServletResponse) res;
            String header = request.getHeader("Authorization");
            if (header != null) {
                authorizations.add(header);
            }
            String token = header != null && header.startsWith("Bearer ") ? header.substring(7) : null;
            BearerValidator.Caller caller = token == null || revoked.contains(token) ? null : validator.validate(token);
            if (caller == null || refusedSubjects.contains(caller.subject())) {
                unauthorized.incrementAndGet();
                response.setStatus(401);
                response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\", resource_metadata=\""
                        + metadataUri() + "\"");
                return;
            }
            CachedBodyRequest cached = new CachedBodyRequest(request);
            if (cached.body.contains("\"admin-echo\"") && !caller.scopes().contains(ADMIN_SCOPE)) {
                forbidden.incrementAndGet();
                Set<String> needed = new LinkedHashSet<>(caller.scopes());
                needed.add(ADMIN_SCOPE);
                needed.remove("default");
                response.setStatus(403);
                response.setHeader("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\""
                        + String.join(" ", needed) + "\", resource_metadata=\"" + metadataUri() + "\"");
                return;
            }
            cached.setAttribute("caller", caller);
            chain.doFilter(cached, response);
        }
    }

    /** RFC 9728 metadata at the path-specific well-known URI. */
    private final class MetadataServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!req.getRequestURI().equals("/.well-known/oauth-protected-resource/mcp")) {
                resp.sendError(404);
                return;
            }
            String resource = metadataResourceOverride != null ? metadataResourceOverride : mcpEndpoint().toString();
            String as = metadataAuthorizationServerOverride != null ? metadataAuthorizationServerOverride : issuer;
            resp.setContentType("application/json");
            resp.getWriter().write("{\"resource\":\"" + resource + "\",\"authorization_servers\":[\"" + as
                    + "\"],\"scopes_supported\":[\"openid\",\"mcp:tools\"],\"bearer_methods_supported\":[\"header\"]}");
        }
    }

    /** Lets the filter read a JSON-RPC body that the MCP servlet reads again. */
    private static final class CachedBodyRequest extends HttpServletRequestWrapper {
        final String body;
        private final byte[] bytes;

        CachedBodyRequest(HttpServletRequest request) throws IOException {
            super(request);
            this.bytes = "POST".equals(request.getMethod()) ? request.getInputStream().readAllBytes() : new byte[0];
            this.body = new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(bytes);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    // Servlet 6: a non-async request's stream refuses a read listener.
                    throw new IllegalStateException("the buffered request body is read synchronously");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        for (McpSyncServer s : mcpServers) {
            try {
                s.closeGracefully();
            } catch (RuntimeException ignored) {
                // stopping anyway
            }
        }
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
