package dev.agentauth.mcp;

import java.net.URI;
import java.net.http.HttpHeaders;
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
     * Whether a 401 or 403 answer is a DPoP {@code use_dpop_nonce} challenge whose nonce is now remembered, so that
     * the request is worth repeating at once with a new proof.
     */
    boolean acceptNonceChallenge(int status, HttpHeaders headers);
}
