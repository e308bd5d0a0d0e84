package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo's protected MCP servers, called with the MCP Java SDK's own client and tokens from the broker (the
 * agent-side integration, agent-auth-mcp's toolset, is not used here).
 */
class DemoMcpServersTest {

    static EmbeddedIdentityProvider idp;
    static CalendarMcpServer calendar;
    static TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = EmbeddedIdentityProvider.start();
        calendar = CalendarMcpServer.start(idp.issuer());
        broker = TokenBroker.builder().provider(Provider.oauth2("demo-idp").issuer(idp.issuer())
                .clientId("demo-agent").clientSecret("demo-agent-secret").defaultScopes("openid").build())
                .loopbackCallback().build();
    }

    @AfterAll
    static void stop() {
        broker.close();
        calendar.close();
        idp.close();
    }

    static AccessToken consentedToken(String user, String scope) {
        return broker.awaitToken(TokenRequest.forUser("demo-idp", user, scope), consent -> {
            Thread browser = new Thread(() -> {
                try {
                    DemoBrowser.signIn(consent.authorizationUri(), user);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            browser.setDaemon(true);
            browser.start();
        }, Duration.ofMinutes(1));
    }

    static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    @Test
    void httpServerWhenUserTokenThenThatUsersCalendar() {
        for (String user : new String[] {"alice", "bob"}) {
            AccessToken token = consentedToken(user, "calendar.read");
            HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
                    .builder("http://127.0.0.1:" + calendar.endpoint().getPort()).endpoint("/mcp")
                    .jsonMapper(McpJsonDefaults.getMapper())
                    .requestBuilder(HttpRequest.newBuilder().header("Authorization", token.authorizationHeader()))
                    .build();
            try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build()) {
                client.initialize();
                assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).containsExactly("events");
                assertThat(text(client.callTool(new McpSchema.CallToolRequest("events", Map.of()))))
                        .startsWith("Calendar of " + user + " today");
            }
        }
    }

    @Test
    void httpServerWhenNoTokenOrWrongAudienceThenBearerChallengeWithResourceMetadata() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest.Builder post = HttpRequest.newBuilder(calendar.endpoint()).header("Content-Type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
        HttpResponse<String> anonymous = http.send(post.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).get().asString()
                .contains("resource_metadata=\"http://127.0.0.1:" + calendar.endpoint().getPort()
                        + "/.well-known/oauth-protected-resource/mcp\"");

        AccessToken notesToken = consentedToken("carol", "notes.read");   // a token for another API
        HttpResponse<String> wrongAudience = http.send(post.header("Authorization", notesToken.authorizationHeader())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongAudience.statusCode()).isEqualTo(401);

        HttpResponse<String> metadata = http.send(HttpRequest.newBuilder(calendar.endpoint()
                .resolve("/.well-known/oauth-protected-resource/mcp")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metadata.body().replace("\\/", "/"))   // json-smart escapes slashes
                .contains("\"resource\":\"" + calendar.endpoint() + "\"", idp.issuer(), "calendar.read");
    }

    @Test
    void stdioServerWhenTokenInEnvironmentThenThatUsersFilesAndOtherTokensRefused() {
        AccessToken token = consentedToken("dave", "files.read");
        assertThat(callFiles(token.value())).isEqualTo("Files of dave: dave-report.pdf, dave-ideas.txt");
        assertThat(callFiles(consentedToken("erin", "notes.read").value())).isEqualTo("unauthorized: WRONG_AUDIENCE");
    }

    static String callFiles(String token) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ServerParameters server = ServerParameters.builder(java)
                .args("-cp", System.getProperty("java.class.path"), FilesMcpServer.class.getName(), idp.issuer())
                .env(Map.of(FilesMcpServer.TOKEN_VARIABLE, token))   // in the environment, never in the arguments
                .build();
        try (McpSyncClient client = McpClient.sync(new StdioClientTransport(server, McpJsonDefaults.getMapper()))
                .requestTimeout(Duration.ofSeconds(60)).initializationTimeout(Duration.ofSeconds(60)).build()) {
            client.initialize();
            return text(client.callTool(new McpSchema.CallToolRequest("files", Map.of())));
        }
    }
}
