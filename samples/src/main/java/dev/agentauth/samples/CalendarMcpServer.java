package dev.agentauth.samples;

import dev.agentauth.verify.BearerTokenServletFilter;
import dev.agentauth.verify.ProtectedResourceMetadata;
import dev.agentauth.verify.TokenVerifier;
import dev.agentauth.verify.VerifiedToken;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A protected MCP server over Streamable HTTP: the MCP Java SDK's servlet transport on Jetty, behind the project's
 * {@link BearerTokenServletFilter}. Tokens must come from the demo identity provider for audience {@code calendar}
 * with scope {@code calendar.read}; a request without one gets 401 and a pointer to the protected resource metadata
 * (RFC 9728), as MCP clients expect. Tool {@code events} lists the caller's events: the caller is the token's subject.
 */
public final class CalendarMcpServer implements AutoCloseable {

    private final Server jetty;
    private final McpSyncServer mcp;
    private final int port;

    private CalendarMcpServer(String issuer) throws Exception {
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        connector.open();                                // bind first: the metadata names the port
        port = connector.getLocalPort();

        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider
                .builder().jsonMapper(McpJsonDefaults.getMapper()).mcpEndpoint("/mcp")
                .contextExtractor(request -> request.getAttribute(VerifiedToken.ATTRIBUTE) instanceof VerifiedToken t
                        ? McpTransportContext.create(Map.of("caller", t)) : McpTransportContext.EMPTY)
                .build();
        mcp = McpServer.sync(transport).serverInfo("demo-calendar", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(List.of(McpServerFeatures.SyncToolSpecification.builder()
                        .tool(McpSchema.Tool.builder().name("events").description("The user's calendar for today")
                                .inputSchema(Map.of("type", "object")).build())
                        .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
                                .addTextContent(eventsOf(caller(exchange))).isError(false).build())
                        .build()))
                .build();

        TokenVerifier verifier = TokenVerifier.builder().issuer(issuer).audience("calendar")
                .requiredScopes("calendar.read").build();
        ProtectedResourceMetadata metadata = ProtectedResourceMetadata.of(endpoint().toString(), issuer)
                .withScopes("calendar.read").withResourceName("Demo calendar (MCP)");
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder servlet = new ServletHolder(transport);
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, "/mcp");
        FilterHolder bearer = new FilterHolder(BearerTokenServletFilter.create(verifier, metadata));
        bearer.setAsyncSupported(true);
        context.addFilter(bearer, "/mcp", EnumSet.of(DispatcherType.REQUEST));
        context.addFilter(bearer, metadata.metadataPath(), EnumSet.of(DispatcherType.REQUEST));
        jetty.setHandler(context);
        jetty.start();
    }

    /** Starts on a random port, trusting tokens of {@code issuer}. */
    public static CalendarMcpServer start(String issuer) {
        try {
            return new CalendarMcpServer(issuer);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the calendar MCP server", e);
        }
    }

    /** The Streamable HTTP endpoint. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port + "/mcp");
    }

    private static String caller(McpSyncServerExchange exchange) {
        return exchange.transportContext().get("caller") instanceof VerifiedToken t ? t.subject() : null;
    }

    // Made-up but per user: two people never see the same calendar.
    static String eventsOf(String user) {
        if (user == null) {
            return "no caller";
        }
        return "Calendar of " + user + " today: 09:30 stand-up; 13:00 lunch with " + (user.equals("bob") ? "alice"
                : "bob") + "; 16:00 focus time";
    }

    @Override
    public void close() {
        mcp.closeGracefully();
        try {
            jetty.stop();
        } catch (Exception e) {
            // shutting down
        }
    }
}
