package dev.agentauth.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.TokenRejectedException;
import dev.agentauth.langchain4j.ToolCredential;
import dev.langchain4j.agent.tool.Tool;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A tool on a real provider: the user's GitHub repositories. Registered when {@code GITHUB_CLIENT_ID} is set. */
public final class GitHubTools {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();

    @Tool("List the user's GitHub repositories, most recently updated first")
    @AuthenticatedTool(provider = "github", scopes = "read:user")
    public String myRepositories(ToolCredential credential) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("https://api.github.com/user/repos?sort=updated&per_page=10"))
                .header("Authorization", credential.authorizationHeader())
                .header("Accept", "application/vnd.github+json")
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 401) {
            throw new TokenRejectedException();
        }
        if (response.statusCode() != 200) {
            return "GitHub answered HTTP " + response.statusCode() + ".";
        }
        List<String> names = new ArrayList<>();
        for (JsonNode repo : json.readTree(response.body())) {
            names.add(repo.path("full_name").asText());
        }
        return names.isEmpty() ? "No repositories." : "Your repositories: " + String.join(", ", names);
    }
}
