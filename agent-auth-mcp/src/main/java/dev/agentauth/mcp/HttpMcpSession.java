package dev.agentauth.mcp;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Scopes;
import io.modelcontextprotocol.modern.McpException;
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One principal's client of an HTTP MCP server: the credentials put on every request (the session's current token,
 * only to the server's origin) and the wire of the revision the server speaks, chosen once per server
 * ({@link McpRevision}). Thread-safe; calls block on the network.
 */
final class HttpMcpSession implements RequestCredentials {

    private static final Logger log = LoggerFactory.getLogger(HttpMcpSession.class);

    private final HttpMcpServerBuilder config;
    private final URI endpoint;
    private final Principal principal;
    /** The server's revision, shared by its sessions; {@code AUTO} until the first probe decided it. */
    private final AtomicReference<McpRevision> revision;
    volatile AccessToken token;
    private volatile Scopes extraScopes = Scopes.NONE;
    private McpWire wire;

    HttpMcpSession(HttpMcpServerBuilder config, Principal principal, AtomicReference<McpRevision> revision) {
        this.config = config;
        this.endpoint = config.endpoint;
        this.principal = principal;
        this.revision = revision;
    }

    Scopes scopes(HttpMcpServer.Auth a) {
        return a.scopes().union(extraScopes);
    }

    synchronized void addScopes(Scopes scopes) {
        extraScopes = extraScopes.union(scopes);
    }

    <T> T call(Function<McpWire, T> call) {
        return call.apply(wire());
    }

    /** The revision this session speaks, once known. */
    McpRevision revision() {
        return revision.get();
    }

    private synchronized McpWire wire() {
        if (wire != null) {
            return wire;
        }
        McpRevision r = config.sse ? McpRevision.V2025_11_25 : revision.get();
        if (r == McpRevision.AUTO) {
            ModernWire modern = new ModernWire(config, principal, this);
            r = probe(modern);
            revision.compareAndSet(McpRevision.AUTO, r);
            if (r == McpRevision.V2026_07_28) {
                wire = modern;
                return wire;
            }
        }
        wire = r == McpRevision.V2026_07_28 ? new ModernWire(config, principal, this) : new LegacyWire(config, principal, this);
        return wire;
    }

    /**
     * The 2026-07-28 specification's "backward compatibility" probe: {@code server/discover}. A 401 or 403 (and
     * network failures) are thrown for the caller to handle, and the probe is made again on the next call.
     */
    private McpRevision probe(ModernWire modern) {
        try {
            List<String> versions = modern.discover();
            McpRevision r = versions.contains("2026-07-28") ? McpRevision.V2026_07_28 : McpRevision.V2025_11_25;
            log.debug("MCP server {}: server/discover lists {}; speaking {}", config.id, versions, r);
            return r;
        } catch (McpHttpStatusException e) {
            int s = e.statusCode();
            if (s == 400 || s == 404 || s == 405 || s == 406 || s == 415) {
                log.debug("MCP server {}: server/discover answered HTTP {}; falling back to initialize", config.id,
                        s);
                return McpRevision.V2025_11_25;
            }
            throw e;
        } catch (McpException e) {
            log.debug("MCP server {}: server/discover answered JSON-RPC error {}; falling back to initialize",
                    config.id, e.error() != null ? e.error().code() : null);
            return McpRevision.V2025_11_25;
        }
    }

    // ------------------------------------------------------------------------------------------ credentials

    @Override
    public void apply(String method, URI uri, BiConsumer<String, String> set, Consumer<String> remove) {
        AccessToken t = token;
        if (t == null) {
            return;
        }
        if (HttpMcpServer.sameOrigin(uri, endpoint)) {
            set.accept("Authorization", t.authorizationHeader());
            if (t.dpop().isPresent()) {
                // RFC 9449 §7: a fresh proof for this request's method and URL, bound to the token (ath).
                set.accept("DPoP", t.dpopProof(method, uri));
            }
        } else {
            // MCP "Token Handling": never send a token to another server than it was issued for.
            remove.accept("Authorization");
            remove.accept("DPoP");
            log.warn("MCP server {}: request to {} is not on the server's origin; sent without token", config.id,
                    uri.getHost());
        }
    }

    @Override
    public boolean rememberNonce(String nonce) {
        AccessToken t = token;
        if (t == null || t.dpop().isEmpty() || nonce == null) {
            return false;
        }
        t.dpop().get().nonce(endpoint, nonce);
        return true;
    }

    synchronized void close() {
        if (wire != null) {
            wire.close();
            wire = null;
        }
        token = null;
    }

    @Override
    public String toString() {
        return "HttpMcpSession[" + config.id + ", " + principal + "]";
    }
}
