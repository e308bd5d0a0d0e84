package dev.agentauth.benchmarks;

import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.mcp.AuthenticatedMcpServer;
import dev.agentauth.mcp.McpResult;
import dev.agentauth.mcp.McpRevision;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * An MCP tool call over Streamable HTTP against a local SDK server on Jetty, on both wires: through
 * {@link AuthenticatedMcpServer} (the user's cached token from the broker on every request, the authorization state
 * machine around the call) and through the plain SDK client with a fixed {@code Authorization} header. The server
 * checks that the header is there and echoes the argument.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class McpOverheadBenchmark {

    static final String TOKEN = "benchmark-token";

    Server jetty;
    McpSyncServer legacyServer;
    TokenBroker broker;
    AuthenticatedMcpServer ours;
    AuthenticatedMcpServer ours2026;
    McpSyncClient plain;
    io.modelcontextprotocol.modern.client.McpSyncClient plain2026;
    Principal alice = Principal.user("alice");
    Map<String, Object> arguments = Map.of("text", "hello");

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        HttpServletStreamableServerTransportProvider legacy = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(McpJsonDefaults.getMapper()).mcpEndpoint("/mcp")
                .contextExtractor(request -> io.modelcontextprotocol.common.McpTransportContext.create(
                        Map.of("authorized", ("Bearer " + TOKEN).equals(request.getHeader("Authorization")))))
                .build();
        legacyServer = McpServer.sync(legacy).serverInfo("bench", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(List.of(McpServerFeatures.SyncToolSpecification.builder()
                        .tool(McpSchema.Tool.builder().name("echo").description("echo")
                                .inputSchema(Map.of("type", "object")).build())
                        .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
                                .addTextContent(Boolean.TRUE.equals(exchange.transportContext().get("authorized"))
                                        ? String.valueOf(request.arguments().get("text")) : "unauthorized")
                                .build())
                        .build()))
                .build();
        ServletHolder holder = new ServletHolder(legacy);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/mcp");

        var modern = io.modelcontextprotocol.modern.server.McpServer.builder()
                .serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation.builder("bench-2026", "1.0")
                        .build())
                .feature(io.modelcontextprotocol.modern.server.feature.ToolsFeature.ofSync(
                        new io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository() {
                            final io.modelcontextprotocol.modern.server.feature.McpSyncTool echo =
                                    io.modelcontextprotocol.modern.server.feature.McpSyncTool.of(
                                            io.modelcontextprotocol.modern.McpSchema.Tool.builder("echo",
                                                    Map.of("type", "object")).description("echo").build(),
                                            (ctx, request) -> io.modelcontextprotocol.modern.server.McpSyncResponse
                                                    .result(new io.modelcontextprotocol.modern.McpSchema
                                                            .CallToolResult.Builder().addContent(
                                                            io.modelcontextprotocol.modern.McpSchema.TextContent
                                                                    .builder(Boolean.TRUE.equals(ctx.transportContext()
                                                                            .get("authorized")) ? String.valueOf(
                                                                            request.arguments().get("text"))
                                                                            : "unauthorized").build()).build()));

                            @Override
                            public io.modelcontextprotocol.modern.server.feature.ToolsPage list(
                                    io.modelcontextprotocol.modern.server.McpRequestContext ctx, String cursor) {
                                return io.modelcontextprotocol.modern.server.feature.ToolsPage.of(
                                        List.of(echo.definition()));
                            }

                            @Override
                            public io.modelcontextprotocol.modern.server.feature.McpSyncTool find(
                                    io.modelcontextprotocol.modern.server.McpRequestContext ctx, String name) {
                                return "echo".equals(name) ? echo : null;
                            }
                        }))
                .build();
        ServletHolder modernHolder = new ServletHolder(io.modelcontextprotocol.modern.server.transport
                .HttpServletMcpTransport.builder(modern).endpoint("/mcp2026")
                .contextExtractor(request -> io.modelcontextprotocol.common.McpTransportContext.create(
                        Map.of("authorized", ("Bearer " + TOKEN).equals(request.getHeader("Authorization")))))
                .build());
        modernHolder.setAsyncSupported(true);
        context.addServlet(modernHolder, "/mcp2026");
        jetty.setHandler(context);
        jetty.start();
        String base = "http://127.0.0.1:" + connector.getLocalPort();

        // The broker holds alice's token already (as after her consent): no token endpoint is ever called.
        Instant now = Instant.now();
        TokenStore store = TokenStore.inMemory();
        store.save(new StoredGrant(new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "alice", GrantKey.SHARED,
                ""), TOKEN, "Bearer", "refresh", Scopes.of("mcp"), now.plus(1, ChronoUnit.HOURS), now));
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").authorizationEndpoint("http://127.0.0.1:1/authorize")
                        .tokenEndpoint("http://127.0.0.1:1/token").clientId("c").clientSecret("s").build())
                .tokenStore(store).redirectUri(URI.create("http://127.0.0.1:1/cb")).build();
        ours = AuthenticatedMcpServer.streamableHttp("bench", URI.create(base + "/mcp")).broker(broker)
                .provider("corp", "mcp").revision(McpRevision.V2025_11_25).build();
        ours2026 = AuthenticatedMcpServer.streamableHttp("bench-2026", URI.create(base + "/mcp2026")).broker(broker)
                .provider("corp", "mcp").revision(McpRevision.V2026_07_28).build();

        plain = McpClient.sync(HttpClientStreamableHttpTransport.builder(base).endpoint("/mcp")
                        .httpRequestCustomizer((b, method, uri, body, ctx) -> b.setHeader("Authorization",
                                "Bearer " + TOKEN)).build())
                .clientInfo(new McpSchema.Implementation("plain", "1.0")).build();
        plain.initialize();
        plain2026 = io.modelcontextprotocol.modern.client.McpClient.sync(
                        io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport
                                .builder(URI.create(base + "/mcp2026"))
                                .requestCustomizer(io.modelcontextprotocol.modern.client.transport
                                        .McpHttpRequestCustomizer.fromSync((request, headers, ctx) ->
                                                headers.set("Authorization", "Bearer " + TOKEN)))
                                .build())
                .build();
        plain2026.listTools().list();

        check(oursLegacy());
        check(ours2026());
        check(plainLegacy());
        check(plain2026());
    }

    private static void check(Object result) {
        String text = String.valueOf(result);
        if (!text.contains("hello")) {
            throw new IllegalStateException("the benchmark's tool call did not succeed: " + text);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        ours.close();
        ours2026.close();
        plain.closeGracefully();
        broker.close();
        legacyServer.closeGracefully();
        jetty.stop();
    }

    @Benchmark
    public Object oursLegacy() {
        return ((McpResult.Completed<McpSchema.CallToolResult>) ours.callTool(alice, "echo", arguments)).value();
    }

    @Benchmark
    public Object plainLegacy() {
        return plain.callTool(new McpSchema.CallToolRequest("echo", arguments));
    }

    @Benchmark
    public Object ours2026() {
        return ((McpResult.Completed<McpSchema.CallToolResult>) ours2026.callTool(alice, "echo", arguments)).value();
    }

    @Benchmark
    public Object plain2026() {
        return plain2026.tool("echo").arguments(arguments).call();
    }
}
