package dev.agentauth.mcp;

import dev.agentauth.core.Principal;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One MCP server, used on behalf of many users, each with their own token: the building block the LangChain4j
 * {@code ToolProvider} of the tools integration is put on.
 *
 * <ul>
 *   <li><b>HTTP</b> ({@link #streamableHttp}, legacy {@link #sse}): one MCP client session per (server, principal);
 *       {@code Authorization: Bearer} on every request, and only to the configured server's origin. 401 and 403 go
 *       through {@link dev.agentauth.core.Reauthorization#run}, the driver authenticated tools use too: 401 → the
 *       broker refreshes once ({@code reportRejected}) and the request is retried once, then a new consent; 403
 *       {@code insufficient_scope} → a step-up consent for the union of the granted and the challenged scopes, at
 *       most three authorizations per operation and authorization server, then {@link StepUpExhaustedException}.
 *       Servers without a configured provider are authorized per the MCP specification
 *       ({@link dev.agentauth.mcp.auth.McpAuthorization}); when one names another authorization server after a 401,
 *       the call starts over there once, counting nothing. A DPoP nonce challenge is answered on the wire by one
 *       retry of that request, and is no refusal of the token.</li>
 *   <li><b>stdio</b> ({@link #stdio}): one server process per (server, principal); the token goes into the configured
 *       environment variables, the rest of the environment is cleared to an allow-list, nothing on the command line;
 *       the process is restarted when the token rotates and reaped when idle.</li>
 * </ul>
 *
 * <p><b>Tool lists.</b> {@link #listTools} answers from a catalog shared by every user while it is fresh
 * (time to live, default 5 min): tool lists describe the server, so one authorized listing serves everyone, and a
 * user without a token is not asked to consent just to see which tools exist. When the catalog is stale it lists
 * with that user's session (which may need their consent). {@link #cachedTools} never does I/O for a principal that
 * needs consent: it returns the catalog, refreshing it with the catalog principal (an M2M token, if configured) or
 * any user session that holds a token without consent, else the last known list. Servers whose tool lists differ
 * per user should be built with {@code sharedToolCatalog(false)}.
 *
 * <p><b>Threading.</b> Thread-safe; calls block on the broker, the network or the process, bounded by the configured
 * timeouts. The principal is always an argument, never taken from a thread-local. {@link #close()} ends every
 * session and every process.
 */
public interface AuthenticatedMcpServer extends AutoCloseable {

    /** A Streamable HTTP server at {@code endpoint} (e.g. {@code https://mcp.example.com/mcp}). */
    static HttpMcpServerBuilder streamableHttp(String id, URI endpoint) {
        return new HttpMcpServerBuilder(id, endpoint, false);
    }

    /** A legacy HTTP+SSE server (protocol 2024-11-05) whose SSE endpoint is {@code sseEndpoint}. */
    static HttpMcpServerBuilder sse(String id, URI sseEndpoint) {
        return new HttpMcpServerBuilder(id, sseEndpoint, true);
    }

    /** A stdio server started as {@code command args...} (never with a token on the command line). */
    static StdioMcpServerBuilder stdio(String id, String command, String... args) {
        return new StdioMcpServerBuilder(id, command, List.of(args));
    }

    /** The server's id (for logs, tool name prefixes and consent cards). */
    String id();

    /** The server's tools, from the shared catalog when fresh, else listed for {@code principal}. */
    McpResult<List<McpSchema.Tool>> listTools(Principal principal);

    /** The shared catalog without asking anyone to consent; empty when no listing was ever possible. */
    Optional<List<McpSchema.Tool>> cachedTools();

    /** Calls tool {@code name} with {@code arguments} for {@code principal}, with their token. */
    McpResult<McpSchema.CallToolResult> callTool(Principal principal, String name, Map<String, Object> arguments);

    /** Ends the sessions (and processes) of {@code principal}, e.g. after they disconnected the provider. */
    void closeSessions(Principal principal);

    /** Ends every session and process. */
    @Override
    void close();
}
