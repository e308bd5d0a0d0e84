package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The loopback callback under a local slowloris: 50 connections that send part of a request and stall must neither
 * block a real browser's callback nor live forever.
 */
class LoopbackCallbackStallTest {

    @Test
    void callbackWhenFiftyConnectionsStallThenTheBrowserStillCompletesAndTheStalledOnesAreClosedByTimeout()
            throws Exception {
        try (TestIdp idp = TestIdp.start();
             TokenBroker broker = TokenBroker.builder()
                     .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("stall-client")
                             .clientSecret("stall-secret").defaultScopes("openid").build())
                     .loopbackCallback().build()) {
            URI redirect = broker.redirectUri().orElseThrow();
            List<Socket> stalled = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Socket s = new Socket(redirect.getHost(), redirect.getPort());
                OutputStream out = s.getOutputStream();
                out.write("GET /cal".getBytes(StandardCharsets.US_ASCII)); // and nothing more
                out.flush();
                stalled.add(s);
            }
            ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(
                    TokenRequest.forUser("corp", "alice"))).consent();
            ScriptedBrowser browser = new ScriptedBrowser();
            URI callback = browser.signIn(consent.authorizationUri(), "alice");

            // The browser's callback is served while the 50 connections hold on.
            HttpResponse<String> page = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> browser.get(callback));
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(broker.consentCompletion(consent.id()).join().value()).isNotBlank();

            // Each stalled connection is closed by the server once its read timeout passes.
            for (Socket s : stalled) {
                s.setSoTimeout(15_000);
                InputStream in = s.getInputStream();
                int read;
                try {
                    read = in.read();
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("a stalled connection was not closed by the server", e);
                } catch (java.net.SocketException reset) {
                    read = -1;
                }
                assertThat(read).as("closed without an answer").isEqualTo(-1);
                s.close();
            }
        }
    }
}
