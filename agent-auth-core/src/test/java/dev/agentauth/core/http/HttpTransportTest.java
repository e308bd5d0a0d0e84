package dev.agentauth.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.KeepAliveProxy;
import dev.agentauth.core.testing.KeepAliveProxy.Action;
import dev.agentauth.core.testing.KeepAliveProxy.On;
import dev.agentauth.core.testing.TestIdp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The public HTTP of core, as other modules and applications use it: the broker's client and read timeout, the whole
 * answer within the read timeout, a bounded body, and the one resend of a request a closing keep-alive connection
 * dropped. Real servers on loopback: a JDK server that answers too much or too slowly, and a real identity provider
 * behind a proxy that closes a reused connection.
 */
class HttpTransportTest {

    static HttpServer server;
    static String base;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/big", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                byte[] kib = new byte[1024];
                for (int i = 0; i < 2048; i++) {
                    out.write(kib);
                }
            } catch (IOException closedByTheClient) {
                // it stopped reading
            }
        });
        server.createContext("/drip", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 40; i++) {
                    out.write('x');
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException stopped) {
                // the client gave up
            }
        });
        server.createContext("/jwks", exchange -> {
            byte[] body = "{\"keys\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/missing", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    static HttpTransport transport(Duration readTimeout) {
        return HttpTransport.of(HttpTransport.defaultClient(Duration.ofSeconds(2)), readTimeout);
    }

    static HTTPRequest get(String path) {
        return new HTTPRequest(HTTPRequest.Method.GET, URI.create(base + path));
    }

    @Test
    void ofBrokerWhenBuiltThenItsClientAndItsReadTimeout() {
        HttpClient client = HttpTransport.defaultClient(Duration.ofSeconds(3));
        try (TokenBroker broker = TokenBroker.builder().provider(Provider.apiKey("weather").build())
                .httpClient(client).readTimeout(Duration.ofMillis(1234)).build()) {
            HttpTransport http = HttpTransport.of(broker);
            assertThat(http.client()).isSameAs(client).isSameAs(broker.httpClient());
            assertThat(http.readTimeout()).isEqualTo(Duration.ofMillis(1234));
        }
    }

    @Test
    void ofWhenReadTimeoutNotPositiveThenRefused() {
        HttpClient client = HttpTransport.defaultClient(Duration.ofSeconds(1));
        assertThatThrownBy(() -> HttpTransport.of(client, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readTimeout");
    }

    @Test
    void sendWhenTheBodyExceedsOneMebibyteThenFailsInsteadOfBuffering() {
        assertThatThrownBy(() -> transport(Duration.ofSeconds(5)).send(get("/big")))
                .isInstanceOf(IOException.class).hasMessageContaining("exceeds");
    }

    @Test
    void sendWhenTheBodyDripsPastTheReadTimeoutThenTimesOutThoughBytesKeepComing() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> transport(Duration.ofMillis(800)).send(get("/drip")))
                .isInstanceOf(HttpTimeoutException.class).hasMessageContaining("800 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void retrieveResourceWhenJwksThenTheDocumentElseAnIOException() throws Exception {
        HttpTransport http = transport(Duration.ofSeconds(5));
        assertThat(http.retrieveResource(URI.create(base + "/jwks").toURL()).getContent()).isEqualTo("{\"keys\":[]}");
        assertThatThrownBy(() -> http.retrieveResource(URI.create(base + "/missing").toURL()))
                .isInstanceOf(IOException.class).hasMessageContaining("HTTP 404");
        assertThatThrownBy(() -> http.retrieveResource(URI.create(base + "/big").toURL()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void sendWhenAPooledConnectionClosesBeforeTheAnswerThenSentOnceMoreOnANewConnection() throws Exception {
        try (TestIdp idp = TestIdp.start(); KeepAliveProxy proxy = KeepAliveProxy.to(URI.create(idp.issuer()))) {
            HttpTransport http = transport(Duration.ofSeconds(2));
            URI token = URI.create(proxy.url(URI.create(idp.tokenEndpoint()).getPath()));
            assertThat(http.send(clientCredentials(token)).getStatusCode()).isEqualTo(200);
            assertThat(proxy.connections()).isEqualTo(1);

            proxy.next(On.REUSED_CONNECTION, Action.CLOSE);
            HTTPResponse answer = http.send(clientCredentials(token));

            assertThat(answer.getStatusCode()).isEqualTo(200);
            assertThat(answer.getBodyAsJSONObject()).containsKey("access_token");
            assertThat(proxy.connections()).as("the one more went out on a new connection").isEqualTo(2);
            assertThat(proxy.forwarded()).as("the identity provider saw each request once").isEqualTo(2);
        }
    }

    static HTTPRequest clientCredentials(URI tokenEndpoint) throws ParseException {
        HTTPRequest post = new HTTPRequest(HTTPRequest.Method.POST, tokenEndpoint);
        post.setContentType("application/x-www-form-urlencoded");
        post.setAuthorization("Basic " + java.util.Base64.getEncoder().encodeToString(
                "http-client:http-secret".getBytes(StandardCharsets.UTF_8)));
        post.setBody("grant_type=client_credentials&scope=openid");
        return post;
    }
}
