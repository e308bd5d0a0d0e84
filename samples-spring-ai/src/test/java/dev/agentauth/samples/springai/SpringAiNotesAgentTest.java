package dev.agentauth.samples.springai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample as a user runs it: sign in, chat, the card, the identity provider's login, the callback, resume through
 * the ChatClient; the streamed chat ending with a card; a declined consent.
 */
@SpringBootTest(classes = SpringAiNotesAgent.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class SpringAiNotesAgentTest {

    static final int PORT = freePort();
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static final ObjectMapper JSON = new ObjectMapper();

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void port(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
    }

    static HttpResponse<String> post(String path, String user, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://localhost:" + PORT + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)), user);
    }

    static HttpResponse<String> send(HttpRequest.Builder request, String user) throws Exception {
        request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + user + "-pw")
                .getBytes(StandardCharsets.UTF_8)));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The user's browser at the identity provider: its login form signed as {@code user}; returns where it redirects
     * (the application's callback with code and state). Written out here rather than taken from agent-auth-core's
     * test jar, so this module builds and runs from a fresh clone without that jar.
     */
    static URI signInAtIdentityProvider(URI authorizationUri, String user) throws Exception {
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8);
        HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(authorizationUri)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as("the login redirects to the callback").isEqualTo(302);
        return authorizationUri.resolve(login.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void chatWhenTheToolNeedsConsentThenTheCardThenTheCallbackThenTheResumedAnswer() throws Exception {
        JsonNode card = JSON.readTree(post("/chat", "alice", "list my notes").body());
        assertThat(card.path("type").asText()).isEqualTo("consent_interrupt");
        JsonNode consent = card.path("consents").get(0);
        assertThat(consent.path("providerDisplayName").asText()).isEqualTo("Notes");
        assertThat(consent.path("scopeDetails").get(0).path("description").asText()).isEqualTo("Read your notes");
        assertThat(card.path("waitingToolCalls").get(0).path("toolDescription").asText())
                .isEqualTo("List the user's notes");
        assertThat(JSON.readTree(post("/resume?id=" + card.path("id").asText(), "alice", "").body())
                .path("type").asText()).isEqualTo("CONSENT_PENDING");

        URI callback = signInAtIdentityProvider(URI.create(consent.path("authorizationUrl").asText()), "alice");
        assertThat(send(HttpRequest.newBuilder(callback), "alice").body()).contains("COMPLETED");

        JsonNode answer = JSON.readTree(post("/resume?id=" + card.path("id").asText(), "alice", "").body());
        assertThat(answer.path("text").asText()).isEqualTo("Here are the notes of alice: (none yet)");
        // Now connected: the next question is answered at once, streamed word by word.
        String streamed = post("/chat/stream", "alice", "list my notes again").body();
        assertThat(streamed).contains("data:Here ").contains("data:alice: ");
        // Bob is asked for his own consent, on the stream too; "Not now" declines it and the turn goes on.
        String bobs = post("/chat/stream", "bob", "list my notes").body();
        assertThat(bobs).contains("consent_interrupt");
        String id = JSON.readTree(bobs.substring(bobs.indexOf("{"), bobs.lastIndexOf("}") + 1)).path("id").asText();
        assertThat(JSON.readTree(post("/decline?id=" + id, "bob", "").body()).path("text").asText())
                .startsWith("Here are The user declined to authorize Notes");
    }
}
