package dev.agentauth.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The server's tool list, shared by every user for a time to live. Tool lists describe the server, not the user, so
 * one authorized listing serves everyone and listing tools never forces a consent on a user who has none yet.
 * Thread-safe: a volatile snapshot replaced as a whole.
 */
final class ToolCatalog {

    private record Snapshot(List<McpSchema.Tool> tools, Instant expiresAt) {
    }

    private final Clock clock;
    private final Duration ttl;
    private volatile Snapshot snapshot;

    ToolCatalog(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    Optional<List<McpSchema.Tool>> fresh() {
        Snapshot s = snapshot;
        return s != null && clock.instant().isBefore(s.expiresAt()) ? Optional.of(s.tools()) : Optional.empty();
    }

    /** The last list, even if stale: better than nothing to describe tools to a model while a refresh fails. */
    Optional<List<McpSchema.Tool>> any() {
        Snapshot s = snapshot;
        return s == null ? Optional.empty() : Optional.of(s.tools());
    }

    /**
     * {@code listing}'s answer, served from this catalog while it is fresh when {@code shared}; a completed listing
     * refreshes the catalog. Both transports list tools through here.
     */
    McpResult<List<McpSchema.Tool>> list(boolean shared, Supplier<McpResult<List<McpSchema.Tool>>> listing) {
        if (shared) {
            Optional<List<McpSchema.Tool>> cached = fresh();
            if (cached.isPresent()) {
                return new McpResult.Completed<>(cached.get());
            }
        }
        McpResult<List<McpSchema.Tool>> result = listing.get();
        if (shared && result instanceof McpResult.Completed<List<McpSchema.Tool>> c) {
            put(c.value());
        }
        return result;
    }

    void put(List<McpSchema.Tool> tools) {
        snapshot = new Snapshot(List.copyOf(tools), clock.instant().plus(ttl));
    }

    void invalidate() {
        snapshot = null;
    }
}
