package dev.agentauth.core.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A user's browser, scripted: opens the authorization URL, signs in at the identity provider's login form as a given
 * user, and follows the redirect to the application's callback. Real HTTP all the way.
 */
public final class ScriptedBrowser {

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** The final page after signing in as {@code user} and landing on the callback. */
    public HttpResponse<String> authorize(URI authorizationUri, String user) {
        URI callback = signIn(authorizationUri, user);
        return get(callback);
    }

    /**
     * Signs in as {@code user} and returns where the identity provider redirects the browser (the callback URL with
     * code and state), without visiting it.
     */
    public URI signIn(URI authorizationUri, String user) {
        return signIn(authorizationUri, user, "");
    }

    /** As {@link #signIn(URI, String)}, with extra ID token claims (a JSON object) as the login form allows. */
    public URI signIn(URI authorizationUri, String user, String claimsJson) {
        HttpResponse<String> page = get(authorizationUri);
        if (page.statusCode() == 302) {
            return location(authorizationUri, page);
        }
        if (page.statusCode() != 200 || !page.body().contains("username")) {
            throw new AssertionError("expected a login form, got HTTP " + page.statusCode());
        }
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&claims="
                + URLEncoder.encode(claimsJson, StandardCharsets.UTF_8);
        HttpResponse<String> posted = send(HttpRequest.newBuilder(authorizationUri)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
        if (posted.statusCode() != 302) {
            throw new AssertionError("login did not redirect: HTTP " + posted.statusCode());
        }
        return location(authorizationUri, posted);
    }

    public HttpResponse<String> get(URI uri) {
        return send(HttpRequest.newBuilder(uri).GET().build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("browser request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static URI location(URI base, HttpResponse<String> response) {
        return base.resolve(response.headers().firstValue("Location")
                .orElseThrow(() -> new AssertionError("redirect without Location")));
    }
}
