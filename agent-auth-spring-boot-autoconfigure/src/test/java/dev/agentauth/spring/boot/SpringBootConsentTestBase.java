package dev.agentauth.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A real Boot application (embedded Tomcat, Spring Security) whose agent-auth comes only from properties: a
 * logged-in user's chat needs a consent, the identity provider (mock-oauth2-server) redirects to the auto-registered
 * callback, which completes it for that user, and the resumed turn calls the {@code @AuthenticatedTool} with the
 * user's token. Subclasses configure the provider two ways.
 */
@org.springframework.test.annotation.DirtiesContext
abstract class SpringBootConsentTestBase {

    static final TestIdp IDP = TestIdp.start();
    static final int PORT = freePort();   // both subclasses: each context is closed after its class
    static final String REDIRECT = "http://localhost:" + PORT + "/oauth/callback";
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    TokenBroker broker;
    @Autowired
    AuthenticatedAgent agent;

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> send(String method, URI uri, String user, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + user + "-pw")
                    .getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static URI app(String path) {
        return URI.create("http://localhost:" + PORT + path);
    }

    @Test
    void loggedInUserWhenConsentCompletesAtTheAutoRegisteredCallbackThenTheAuthenticatedToolRunsWithTheirToken()
            throws Exception {
        assertThat(broker.providers()).extracting(p -> p.id().value()).contains("corp");

        HttpResponse<String> chat = send("POST", app("/chat"), "alice", "list my notes");
        assertThat(chat.statusCode()).isEqualTo(200);
        JsonNode interrupt = JSON.readTree(chat.body());
        assertThat(interrupt.path("type").asText()).isEqualTo("consent_interrupt");
        assertThat(interrupt.path("consents").get(0).path("providerDisplayName").asText()).isEqualTo("Corp Notes");
        URI authorization = URI.create(interrupt.path("consents").get(0).path("authorizationUrl").asText());
        assertThat(authorization.getQuery()).contains("redirect_uri=" + REDIRECT);

        URI callback = new ScriptedBrowser().signIn(authorization, "alice");
        assertThat(callback.toString()).startsWith(REDIRECT + "?");
        // Not signed in to the application: nothing is redeemed.
        assertThat(send("GET", callback, null, null).statusCode()).isEqualTo(401);
        HttpResponse<String> completed = send("GET", callback, "alice", null);
        assertThat(completed.statusCode()).as(completed.body()).isEqualTo(200);
        assertThat(completed.body()).contains("data-status=\"COMPLETED\"");

        URI resume = app("/resume?id=" + interrupt.path("id").asText());
        assertThat(send("POST", resume, "bob", null).statusCode()).as("another user's interrupt").isEqualTo(500);
        HttpResponse<String> resumed = send("POST", resume, "alice", null);
        assertThat(resumed.body()).isEqualTo("Answer: listNotes -> notes of alice read with notes.read openid");

        // Bob's own chat asks for his own consent: alice's grant is hers.
        assertThat(send("POST", app("/chat"), "bob", "list my notes").body()).contains("consent_interrupt");
    }
}
