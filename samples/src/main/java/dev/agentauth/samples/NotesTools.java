package dev.agentauth.samples;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.agent.InsufficientScopeException;
import dev.agentauth.agent.TokenRejectedException;
import dev.agentauth.core.Flow;
import dev.agentauth.langchain4j.ToolCredential;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The agent's tools for the demo notes API. The framework finds each user's token (or pauses the turn for their
 * consent) and injects it; the model never sees it.
 */
public final class NotesTools {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI api;

    public NotesTools(URI api) {
        this.api = api;
    }

    @Tool("List the user's notes")
    @AuthenticatedTool(provider = "demo-idp", scopes = "notes.read")
    public String listNotes(@InjectToken String token) {
        return call(HttpRequest.newBuilder(api.resolve("/notes")).GET(), "Bearer " + token);
    }

    @Tool("Add a note for the user")
    @AuthenticatedTool(provider = "demo-idp", scopes = "notes.write")
    public String addNote(ToolCredential credential, @P("the text of the note") String text) {
        return call(HttpRequest.newBuilder(api.resolve("/notes/add")).POST(HttpRequest.BodyPublishers.ofString(text)),
                credential.authorizationHeader());
    }

    @Tool("Status of the notes service (the agent asks as itself, no user consent needed)")
    @AuthenticatedTool(provider = "demo-idp", flow = Flow.CLIENT_CREDENTIALS, scopes = "notes.status")
    public String serviceStatus(@InjectToken String token) {
        return call(HttpRequest.newBuilder(api.resolve("/status")).GET(), "Bearer " + token);
    }

    private String call(HttpRequest.Builder request, String authorization) {
        HttpResponse<String> response;
        try {
            response = http.send(request.header("Authorization", authorization).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return "The notes API is unreachable right now.";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "Interrupted.";
        }
        return switch (response.statusCode()) {
            case 200, 201 -> response.body();
            case 401 -> throw new TokenRejectedException();                // refresh once and retry, then consent
            case 403 -> throw new InsufficientScopeException(scopeChallenged(response));   // ask for more scopes
            default -> "The notes API answered HTTP " + response.statusCode() + ".";
        };
    }

    // WWW-Authenticate: Bearer error="insufficient_scope", scope="notes.write", ...
    private static String[] scopeChallenged(HttpResponse<?> response) {
        String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
        int at = challenge.indexOf("scope=\"");
        return at < 0 ? new String[0] : challenge.substring(at + 7, challenge.indexOf('"', at + 7)).split(" ");
    }
}
