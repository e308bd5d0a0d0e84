package dev.agentauth.mcp;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code initialize} handshake wire (2025-11-25 and the revisions it negotiates down to; Streamable HTTP or legacy
 * HTTP+SSE) on the SDK's earlier client, with one MCP session per principal. Thread-safe; blocks on the network.
 */
final class LegacyWire implements McpWire {

    private static final Logger log = LoggerFactory.getLogger(LegacyWire.class);

    /**
     * The MCP authorization extensions this client implements, declared in its capabilities (on the 2026-07-28 wire
     * the SDK derives the capabilities itself and offers no way to add extensions).
     */
    static final java.util.Map<String, java.util.Map<String, Object>> AUTH_EXTENSIONS = java.util.Map.of(
            "io.modelcontextprotocol/oauth-client-credentials", java.util.Map.of(),
            "io.modelcontextprotocol/enterprise-managed-authorization", java.util.Map.of(),
            "io.modelcontextprotocol/auth/dpop", java.util.Map.of(),
            "io.modelcontextprotocol/auth/wif", java.util.Map.of());

    private final HttpMcpServerBuilder config;
    private final Principal principal;
    private final RequestCredentials credentials;
    private McpSyncClient client;
    private boolean initialized;

    LegacyWire(HttpMcpServerBuilder config, Principal principal, RequestCredentials credentials) {
        this.config = config;
        this.principal = principal;
        this.credentials = credentials;
    }

    @Override
    public List<McpSchema.Tool> listTools() {
        return InitializedClientWire.allTools(initialized());
    }

    @Override
    public McpSchema.CallToolResult callTool(String name, Map<String, Object> arguments) {
        return initialized().callTool(new McpSchema.CallToolRequest(name, arguments));
    }

    @Override
    public McpRevision revision() {
        return McpRevision.V2025_11_25;
    }

    private synchronized McpSyncClient initialized() {
        if (client == null) {
            McpClient.SyncSpec spec = McpClient.sync(transport()).requestTimeout(config.requestTimeout)
                    .initializationTimeout(config.requestTimeout)
                    .clientInfo(new McpSchema.Implementation("agent-auth", "0.2.0"));
            McpSchema.ClientCapabilities.Builder capabilities = McpSchema.ClientCapabilities.builder()
                    .extensions(AUTH_EXTENSIONS);
            if (config.elicitation != null) {
                capabilities.elicitation();
            }
            spec.capabilities(capabilities.build());
            if (config.elicitation != null) {
                McpElicitation handler = config.elicitation;
                spec.elicitation(request -> {
                            McpElicitation.Answer a = handler.elicit(principal, request.message(),
                                    request.requestedSchema());
                            return new McpSchema.ElicitResult(switch (a.action()) {
                                case ACCEPT -> McpSchema.ElicitResult.Action.ACCEPT;
                                case DECLINE -> McpSchema.ElicitResult.Action.DECLINE;
                                case CANCEL -> McpSchema.ElicitResult.Action.CANCEL;
                            }, a.content());
                        });
            }
            client = spec.build();
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
        java.util.function.Supplier<HttpRequest> probe = () -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(config.endpoint).timeout(config.requestTimeout)
                    .header("Accept", "text/event-stream").GET();
            credentials.apply("GET", config.endpoint, b::setHeader, name -> { });
            return b.build();
        };
        HttpResponse<InputStream> response;
        try {
            response = DpopNonceRetry.send(config.broker.httpClient(), probe, HttpResponse.BodyHandlers.ofInputStream(),
                    credentials);
        } catch (IOException e) {
            return; // the SDK's own connection attempt reports the network failure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentAuthException("interrupted while connecting to MCP server '" + config.id + "'",
                    null, principal);
        }
        try {
            response.body().close(); // the stream itself is the SDK's to open
        } catch (IOException ignored) {
            // closing an aborted stream
        }
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            HttpHeaders headers = response.headers();
            throw new McpHttpClientTransportAuthorizationException(
                    "MCP server '" + config.id + "' refused the SSE stream (HTTP " + status + ")", null,
                    new HttpResponse.ResponseInfo() {
                        @Override
                        public int statusCode() {
                            return status;
                        }

                        @Override
                        public HttpHeaders headers() {
                            return headers;
                        }

                        @Override
                        public HttpClient.Version version() {
                            return response.version();
                        }
                    });
        }
    }

    private McpClientTransport transport() {
        McpSyncHttpClientRequestCustomizer customizer = (builder, method, uri, body, context) ->
                credentials.apply(method, uri, builder::setHeader, name -> { });
        URI endpoint = config.endpoint;
        String base = endpoint.getScheme() + "://" + endpoint.getRawAuthority();
        String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/"
                : endpoint.getRawPath();
        if (endpoint.getRawQuery() != null) {
            path += "?" + endpoint.getRawQuery();
        }
        if (config.sse) {
            // The SDK's SSE transport takes no authorization error handler: the probe's nonce serves its requests.
            return HttpClientSseClientTransport.builder(base).sseEndpoint(path).httpRequestCustomizer(customizer)
                    .connectTimeout(config.connectTimeout).build();
        }
        return HttpClientStreamableHttpTransport.builder(base).endpoint(path).httpRequestCustomizer(customizer)
                .authorizationErrorHandler(DpopNonceRetry.forLegacyTransport(credentials))
                .connectTimeout(config.connectTimeout).build();
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            closeQuietly(client);
            client = null;
        }
    }

    private void closeQuietly(McpSyncClient c) {
        try {
            c.closeGracefully();
        } catch (RuntimeException e) {
            log.debug("MCP server {}: closing a session failed: {}", config.id, e.getClass().getSimpleName());
        }
    }
}
