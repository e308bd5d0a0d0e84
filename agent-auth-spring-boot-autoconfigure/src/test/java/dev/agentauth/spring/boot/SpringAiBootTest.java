package dev.agentauth.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.spring.boot.springai.SpringAiNotesApplication;
import dev.agentauth.springai.AuthenticatedChatClient;
import java.net.URI;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A real Boot application on Spring AI (embedded Tomcat, Spring Security) whose agent-auth comes only from properties
 * and the auto-configuration: a logged-in user's chat needs a consent, the identity provider redirects to the
 * auto-registered callback, which completes it for that user, and the resumed turn calls the Spring AI
 * {@code @AuthenticatedTool} with the user's token, through the application's chat memory.
 */
@SpringBootTest(classes = SpringAiNotesApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@org.springframework.test.annotation.DirtiesContext
class SpringAiBootTest {

    static final dev.agentauth.core.testing.TestIdp IDP = SpringBootConsentTestBase.IDP;
    static final int PORT = SpringBootConsentTestBase.PORT;
    static final String REDIRECT = SpringBootConsentTestBase.REDIRECT;
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = SpringBootConsentTestBase.JSON;

    @Autowired
    org.springframework.context.ApplicationContext context;

    @Autowired
    AuthenticatedChatClient chatClient;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("agent-auth.callback.redirect-uri", () -> REDIRECT);
        registry.add("agent-auth.providers.corp.issuer", IDP::issuer);
        registry.add("agent-auth.providers.corp.client-id", () -> "notes-agent");
        registry.add("agent-auth.providers.corp.client-secret", () -> "notes-secret");
        registry.add("agent-auth.providers.corp.display-name", () -> "Corp Notes");
        registry.add("agent-auth.providers.corp.scopes", () -> "openid");
    }

    static HttpResponse<String> send(String method, URI uri, String user, String body) throws Exception {
        return SpringBootConsentTestBase.send(method, uri, user, body);
    }

    static URI app(String path) {
        return SpringBootConsentTestBase.app(path);
    }

    @Test
    void loggedInUserWhenConsentCompletesAtTheAutoRegisteredCallbackThenTheSpringAiToolRunsWithTheirToken()
            throws Exception {
        assertThat(context.getBeansOfType(dev.agentauth.langchain4j.AuthenticatedAgent.class))
                .as("no LangChain4j model bean here: no LangChain4j agent, though LangChain4j is on the class path")
                .isEmpty();
        assertThat(chatClient.toolCallbacks()).extracting(c -> c.getToolDefinition().name())
                .containsExactly("listNotes");

        HttpResponse<String> chat = send("POST", app("/chat"), "alice", "list my notes");
        assertThat(chat.statusCode()).isEqualTo(200);
        JsonNode interrupt = JSON.readTree(chat.body());
        assertThat(interrupt.path("type").asText()).isEqualTo("consent_interrupt");
        assertThat(interrupt.path("consents").get(0).path("providerDisplayName").asText()).isEqualTo("Corp Notes");
        URI authorization = URI.create(interrupt.path("consents").get(0).path("authorizationUrl").asText());
        assertThat(authorization.getQuery()).contains("redirect_uri=" + REDIRECT);

        URI callback = new ScriptedBrowser().signIn(authorization, "alice");
        assertThat(send("GET", callback, null, null).statusCode()).isEqualTo(401);
        HttpResponse<String> completed = send("GET", callback, "alice", null);
        assertThat(completed.statusCode()).as(completed.body()).isEqualTo(200);

        URI resume = app("/resume?id=" + interrupt.path("id").asText());
        assertThat(send("POST", resume, "bob", null).statusCode()).as("another user's interrupt").isEqualTo(500);
        assertThat(send("POST", resume, "alice", null).body())
                .isEqualTo("Answer: listNotes -> \"notes of alice read with notes.read openid\"");
        assertThat(send("POST", app("/chat"), "alice", "list my notes").body()).contains("\"type\":\"reply\"");
        assertThat(send("POST", app("/chat"), "bob", "list my notes").body()).contains("consent_interrupt");
    }
}
