package dev.agentauth.mcp;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Scopes;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One principal's MCP client session with an HTTP server: the request customizer reads the session's current token on
 * every request and sends it only to the server's origin. Thread-safe; calls block on the network.
 */
final class HttpMcpSession {

    private static final Logger log = LoggerFactory.getLogger(HttpMcpSession.class);

private final HttpMcpServerBuilder config;
private final URI endpoint;
private final Principal principal;
    volatile AccessToken token;
    private volatile Scopes extraScopes = Scopes.NONE;
    private McpSyncClient client;
    private boolean initialized;

    HttpMcpSession(HttpMcpServerBuilder config, Principal principal) {
        this.config = config;
        this.endpoint = config.endpoint;
        this.principal = principal;
    }

    Scopes scopes(HttpMcpServer.Auth a) {
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
            response = config.broker.httpClient().send(probe.build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
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
            if (HttpMcpServer.sameOrigin(uri, endpoint)) {
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
        return "HttpMcpSession[" + config.id + ", " + principal + "]";
    }

    private void closeQuietly(McpSyncClient client) {
        try {
            client.closeGracefully();
        } catch (RuntimeException e) {
            log.debug("MCP server {}: closing a session failed: {}", config.id, e.getClass().getSimpleName());
        }
    }
}
