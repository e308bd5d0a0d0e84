package dev.agentauth.core.http;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPRequestSender;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPRequest;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPResponse;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.internal.DefaultHttpTransport;
import java.io.IOException;
import java.net.URL;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;

/**
 * HTTP the way the broker sends it, for code that talks to the same identity providers and servers beside it — the
 * token verifier's metadata and JWKS fetches, MCP authorization's metadata and registration requests, or your own.
 * Every request gets what the broker's token requests get:
 *
 * <ul>
 *   <li>one {@link HttpClient}: the broker's ({@link #of(TokenBroker)}), or one you pass, so a proxy, TLS trust and
 *       an executor are set in one place;</li>
 *   <li>the read timeout bounds the <em>whole</em> answer, status line to the last byte of the body, from the moment
 *       the request is sent: a server that drips its body cannot hold the caller;</li>
 *   <li>a body of at most 1 MiB (a JWKS through {@link #retrieveResource}: 512 KiB); a longer one fails the request
 *       instead of filling the heap;</li>
 *   <li>a request other than GET or HEAD that went out on a reused keep-alive connection, which the server closed
 *       before sending one byte of an answer, is sent once more on a new connection within the same read timeout —
 *       the server closed that connection as idle and never saw the request (RFC 9112 §9.3.1). Never after part of an
 *       answer, on a timeout or on a new connection, where the server may have processed it: a refresh token with
 *       strict rotation sent twice would end the grant (RFC 9700 §4.14.2). GET and HEAD the JDK client retries
 *       itself;</li>
 *   <li>no header or body is logged (the JDK's {@code HttpURLConnection}, which Nimbus uses by default, logs request
 *       headers at DEBUG, a client secret in {@code Authorization: Basic} among them).</li>
 * </ul>
 *
 * <p>It plugs into Nimbus at Nimbus's own two extension points: it is an {@link HTTPRequestSender}
 * ({@code httpRequest.send(transport)}, or {@link #send(HTTPRequest)}) and a {@link ResourceRetriever}
 * ({@code JWKSourceBuilder.create(jwksUrl, transport)}).
 *
 * <pre>{@code
 * HttpTransport http = HttpTransport.of(broker);                       // the broker's client and read timeout
 * HTTPRequest get = new HTTPRequest(HTTPRequest.Method.GET, metadataUri);
 * get.setAccept("application/json");
 * HTTPResponse answer = http.send(get);                                // IOException: unreachable, too slow, too big
 * }</pre>
 *
 * <p>Thread-safe; share one. Every call blocks on the network for at most the client's connect timeout plus the read
 * timeout. Failures are {@link IOException}s whose messages name the host, never a header or a body. Obtain instances
 * from the factories here; the library's implementation is the only one it supports.
 *
 * @since 0.3.0
 */
public interface HttpTransport extends HTTPRequestSender, ResourceRetriever {

    /**
     * The transport of {@code broker}: its {@link TokenBroker#httpClient()} and {@link TokenBroker#httpTimeout()}. It
     * shares the broker's connection pool and its record of which pooled connections were used (what the one resend
     * above is decided by).
     */
    static HttpTransport of(TokenBroker broker) {
        Objects.requireNonNull(broker, "broker");
        return of(broker.httpClient(), broker.httpTimeout());
    }

    /**
     * A transport over {@code client}; {@code readTimeout} bounds each request from sending to the end of its answer.
     *
     * @throws IllegalArgumentException {@code readTimeout} is not positive
     */
    static HttpTransport of(HttpClient client, Duration readTimeout) {
        return DefaultHttpTransport.of(client, readTimeout);
    }

    /**
     * The client the broker builds when it is given none: HTTP/1.1, and no redirect followed (an OAuth endpoint must
     * not send a client secret or a code on to another URL).
     */
    static HttpClient defaultClient(Duration connectTimeout) {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        return DefaultHttpTransport.defaultClient(connectTimeout);
    }

    /** The client every request goes through. Shared; do not close it. */
    HttpClient client();

    /** How long one request may take from sending to the last byte of its answer. */
    Duration readTimeout();

    /**
     * Sends a Nimbus request and reads the whole answer.
     *
     * @throws IOException the server is unreachable, the answer did not arrive within {@link #readTimeout()}, or it is
     *                     larger than 1 MiB; {@link java.io.InterruptedIOException} when the calling thread was
     *                     interrupted (its interrupt flag is set again)
     */
    HTTPResponse send(HTTPRequest request) throws IOException;

    /** {@inheritDoc} As {@link #send(HTTPRequest)}. */
    @Override
    ReadOnlyHTTPResponse send(ReadOnlyHTTPRequest request) throws IOException;

    /**
     * GETs a JSON document such as a JWKS ({@code Accept: application/jwk-set+json, application/json}).
     *
     * @throws IOException as {@link #send(HTTPRequest)}, an answer other than HTTP 200, or a body over 512 KiB
     */
    @Override
    Resource retrieveResource(URL url) throws IOException;
}
