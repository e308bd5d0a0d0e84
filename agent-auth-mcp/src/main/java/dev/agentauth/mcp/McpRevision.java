package dev.agentauth.mcp;

/**
 * Which revision of the MCP specification an HTTP server is spoken to in, and so which MCP Java SDK client is used.
 *
 * <ul>
 *   <li>{@link #AUTO} (the default): per the 2026-07-28 specification's backward-compatibility rules, the first call
 *       to the server probes it with {@code server/discover} on the SDK's 2026-07-28 client; a server that lists
 *       {@code 2026-07-28} among its supported versions is spoken to on that wire from then on, one that answers the
 *       probe with an error that does not come from a current server (a JSON-RPC error such as "method not found",
 *       or HTTP 400, 404, 405, 406 or 415) falls back to the {@code initialize} handshake of the SDK's earlier
 *       client, which itself negotiates 2025-11-25, 2025-06-18 or 2025-03-26. A 401 or 403 on the probe is an
 *       authorization answer, handled like any other, and the probe is repeated with the token. The outcome is kept
 *       for the server's lifetime, for every user.</li>
 *   <li>{@link #V2026_07_28}: the stateless 2026-07-28 wire only ({@code _meta} on every request, no session).</li>
 *   <li>{@link #V2025_11_25}: the {@code initialize} handshake only (2025-11-25 and the earlier revisions it
 *       negotiates down to); legacy HTTP+SSE servers always use it.</li>
 * </ul>
 *
 * @since 0.2.0
 */
public enum McpRevision {
    /** Probe with {@code server/discover}, fall back to {@code initialize}. */
    AUTO,
    /** The 2026-07-28 wire. */
    V2026_07_28,
    /** The {@code initialize} handshake (2025-11-25 down to 2025-03-26). */
    V2025_11_25;

    /** The protocol version string of this revision ({@code null} for {@link #AUTO}). */
    public String protocolVersion() {
        return this == V2026_07_28 ? "2026-07-28" : this == V2025_11_25 ? "2025-11-25" : null;
    }
}
