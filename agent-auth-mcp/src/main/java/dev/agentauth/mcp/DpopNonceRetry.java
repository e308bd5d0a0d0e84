package dev.agentauth.mcp;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.mcp.auth.WwwAuthenticate;
import io.modelcontextprotocol.client.transport.customizer.McpHttpClientTransportAuthorizationErrorHandler;
import io.modelcontextprotocol.modern.client.transport.McpHttpAuthorizationErrorHandler;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.Supplier;

/**
 * The one place where an MCP server's DPoP nonce challenge is answered (RFC 9449 §9): a 401 with
 * {@code WWW-Authenticate: DPoP error="use_dpop_nonce"} and a {@code DPoP-Nonce} header, to a DPoP-bound token, has
 * its nonce remembered for the server's origin (the token's prover puts it in every later proof) and the same HTTP
 * request sent once more with a new proof — once per request ({@link #RETRIES}), on every wire: the 2026-07-28
 * transport, the {@code initialize} handshake's Streamable HTTP transport, and the legacy SSE stream's probe. (The
 * SDK's SSE transport reports a refused message without its headers: there the probe's nonce serves.)
 *
 * <p>It is not a refusal of the token: nothing is refreshed and no consent is counted
 * ({@link dev.agentauth.core.Reauthorization} never sees it). A server that asks for a new nonce again after the
 * retry ends the call with {@link #askedAgain}; the next call starts with the newest nonce. The authorization server's
 * {@code use_dpop_nonce} (§8) is the broker's own, answered where it sends token requests.
 *
 * <p>Stateless; the nonces are the token's prover's. Thread-safe.
 */
final class DpopNonceRetry {

    /** Retries of one HTTP request after a nonce challenge: one, as RFC 9449 §9 describes it. */
    static final int RETRIES = 1;

    private DpopNonceRetry() {
    }

    /** Whether an answer is a resource server's DPoP nonce challenge: 401, {@code use_dpop_nonce} and the nonce. */
    static boolean isChallenge(int status, HttpHeaders headers) {
        return status == 401 && headers.firstValue("DPoP-Nonce").isPresent()
                && WwwAuthenticate.isDpopNonceChallenge(headers.allValues("WWW-Authenticate"));
    }

    /**
     * Whether to send a refused request again: the answer is a nonce challenge and {@code credentials} took its nonce
     * (their token is DPoP-bound; to a bearer token a nonce means nothing).
     */
    static boolean retry(RequestCredentials credentials, int status, HttpHeaders headers) {
        return isChallenge(status, headers)
                && credentials.rememberNonce(headers.firstValue("DPoP-Nonce").orElseThrow());
    }

    /** For the 2026-07-28 transport: every other 401 and 403 goes back to the caller. */
    static McpHttpAuthorizationErrorHandler forModernTransport(RequestCredentials credentials) {
        return McpHttpAuthorizationErrorHandler.fromSync(new McpHttpAuthorizationErrorHandler.Sync() {
            @Override
            public boolean handle(io.modelcontextprotocol.modern.client.transport.McpHttpRequest request,
                                  io.modelcontextprotocol.modern.client.transport.McpHttpResponseInfo response,
                                  io.modelcontextprotocol.common.McpTransportContext context) {
                return retry(credentials, response.statusCode(), response.headers());
            }

            @Override
            public int maxRetries() {
                return RETRIES;
            }
        });
    }

    /** For the {@code initialize} handshake's Streamable HTTP transport: every other 401 and 403 goes back. */
    static McpHttpClientTransportAuthorizationErrorHandler forLegacyTransport(RequestCredentials credentials) {
        McpHttpClientTransportAuthorizationErrorHandler handler = McpHttpClientTransportAuthorizationErrorHandler
                .fromSync((request, response, context) -> retry(credentials, response.statusCode(),
                        response.headers()));
        return new McpHttpClientTransportAuthorizationErrorHandler() {
            @Override
            public org.reactivestreams.Publisher<Boolean> handle(
                    io.modelcontextprotocol.client.transport.HttpRequestSnapshot request,
                    HttpResponse.ResponseInfo response, io.modelcontextprotocol.common.McpTransportContext context) {
                return handler.handle(request, response, context);
            }

            @Override
            public int maxRetries() {
                return RETRIES;
            }
        };
    }

    /**
     * Sends a request of this module's own (the SSE stream's probe): {@code request} builds it with the credentials
     * applied, again for the retry, so that the new proof carries the nonce.
     */
    static <T> HttpResponse<T> send(HttpClient http, Supplier<HttpRequest> request, HttpResponse.BodyHandler<T> body,
                                    RequestCredentials credentials) throws IOException, InterruptedException {
        HttpResponse<T> response = http.send(request.get(), body);
        for (int retries = 0; retries < RETRIES
                && retry(credentials, response.statusCode(), response.headers()); retries++) {
            discard(response);
            response = http.send(request.get(), body);
        }
        return response;
    }

    /**
     * The failure of a call whose server asked for another nonce after its retry with one: a misbehaving or
     * overloaded server, not a refused token. Retryable: the next call's proof carries the newest nonce.
     */
    static AgentAuthException askedAgain(String server, String operation, ProviderId provider, Principal principal) {
        return new AgentAuthException("MCP server '" + server + "' asked for a new DPoP nonce again after " + RETRIES
                + " retry with its nonce (RFC 9449 §9) on " + operation + "; try again later", provider, principal,
                "use_dpop_nonce", true, null);
    }

    private static void discard(HttpResponse<?> response) {
        if (response.body() instanceof java.io.Closeable c) {
            try {
                c.close();
            } catch (IOException ignored) {
                // an aborted answer
            }
        }
    }
}
