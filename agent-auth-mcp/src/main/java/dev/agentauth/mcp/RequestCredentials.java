package dev.agentauth.mcp;

import java.net.URI;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What a session puts on each HTTP request to its MCP server: the principal's token, only to the server's origin,
 * and (for DPoP-bound tokens) a fresh proof for that request's method and URL. Both wires call it for every request.
 * Thread-safe.
 */
interface RequestCredentials {

    /** Sets the credential headers of a {@code method} request to {@code uri} (or removes them). */
    void apply(String method, URI uri, BiConsumer<String, String> set, Consumer<String> remove);

    /**
     * Remembers a resource server's {@code DPoP-Nonce} (RFC 9449 §9) for the proofs of later requests; whether the
     * token in use is DPoP-bound, so that a request is worth repeating with it ({@link DpopNonceRetry}).
     */
    boolean rememberNonce(String nonce);
}
