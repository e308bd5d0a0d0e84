package dev.agentauth.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestCustomizer;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The 2026-07-28 wire, on the SDK's {@code io.modelcontextprotocol.modern} client: stateless requests carrying
 * {@code _meta}, {@code server/discover}, header mirroring and multi-round-trip input requests are the SDK's. This
 * class only puts the session's credentials on each request and turns the results into the SDK's earlier schema
 * types, which the rest of the module speaks. Thread-safe; blocks on the network.
 */
final class ModernWire implements McpWire {

    private static final McpJsonMapper JSON = McpJsonDefaults.getMapper();

    private final McpSyncClient client;

    ModernWire(McpSyncClient client) {
        this.client = client;
    }

    /**
     * A 2026-07-28 client on the standard streams of a started stdio server process (the process and its environment
     * are the caller's). {@code callTimeout} bounds each call.
     */
    static io.modelcontextprotocol.modern.client.transport.StdioMcpClientTransport stdioTransport(Process process,
            java.util.function.Consumer<String> stderr) {
        io.modelcontextprotocol.modern.client.transport.StdioMcpClientTransport transport =
                io.modelcontextprotocol.modern.client.transport.StdioMcpClientTransport
                        .builder(process.getInputStream(), process.getOutputStream()).start();
        new Thread(() -> {
            try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(
                    process.getErrorStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    stderr.accept(line);
                }
            } catch (java.io.IOException ended) {
                // the process is gone
            }
        }, "agent-auth-mcp-stderr").start();
        return transport;
    }

    /** A client on a stdio transport; several (with different timeouts) may share one. */
    static ModernWire on(io.modelcontextprotocol.modern.client.transport.McpClientTransport transport,
                         java.time.Duration callTimeout) {
        return new ModernWire(McpClient.sync(transport)
                .clientInfo(io.modelcontextprotocol.modern.McpSchema.Implementation.builder("agent-auth", "0.2.0")
                        .build())
                .callTimeout(callTimeout).roundTimeout(callTimeout).build());
    }

    ModernWire(HttpMcpServerBuilder config, dev.agentauth.core.Principal principal, RequestCredentials credentials) {
        HttpClientMcpTransport.Builder transport = HttpClientMcpTransport.builder(config.endpoint)
                .connectTimeout(config.connectTimeout)
                .requestCustomizer(McpHttpRequestCustomizer.fromSync((request, headers, context) ->
                        credentials.apply(request.httpMethod(), request.uri(), headers::set, headers::remove)))
                // A DPoP nonce challenge is answered in place; every other 401 and 403 goes back to the caller.
                .authorizationErrorHandler(DpopNonceRetry.forModernTransport(credentials));
        McpClient.SyncBuilder builder = McpClient.sync(transport.build())
                .clientInfo(io.modelcontextprotocol.modern.McpSchema.Implementation.builder("agent-auth", "0.2.0")
                        .build())
                .callTimeout(config.requestTimeout).roundTimeout(config.requestTimeout);
        if (config.elicitation != null) {
            McpElicitation handler = config.elicitation;
            builder.formElicitation(request -> {
                McpElicitation.Answer a = handler.elicit(principal, request.message(), request.requestedSchema());
                return switch (a.action()) {
                    case ACCEPT -> io.modelcontextprotocol.modern.McpSchema.ElicitResult.accept(a.content());
                    case DECLINE -> io.modelcontextprotocol.modern.McpSchema.ElicitResult.decline();
                    case CANCEL -> io.modelcontextprotocol.modern.McpSchema.ElicitResult.cancel();
                };
            });
        }
        this.client = builder.build();
    }

    /**
     * {@code server/discover}: the versions the server supports, or the exception of a server that is not a
     * 2026-07-28 one (or refused us).
     */
    List<String> discover() {
        List<String> versions = client.discover().supportedVersions();
        return versions == null ? List.of() : versions;
    }

    @Override
    public List<McpSchema.Tool> listTools() {
        List<McpSchema.Tool> tools = new ArrayList<>();
        for (io.modelcontextprotocol.modern.McpSchema.Tool t : client.listTools().list().tools()) {
            tools.add(JSON.convertValue(t, McpSchema.Tool.class));
        }
        return tools;
    }

    @Override
    public McpSchema.CallToolResult callTool(String name, Map<String, Object> arguments) {
        io.modelcontextprotocol.modern.McpSchema.CallToolResult r = client.tool(name).arguments(arguments).call();
        return JSON.convertValue(r, McpSchema.CallToolResult.class);
    }

    @Override
    public McpRevision revision() {
        return McpRevision.V2026_07_28;
    }

    @Override
    public void close() {
        // stateless: no session to end
    }
}
