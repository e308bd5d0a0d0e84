package dev.agentauth.samples;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Plays the user's browser when the demo runs unattended: opens the authorization URL, signs in at the embedded
 * identity provider's login page as the demo user, and follows the redirect back to the agent's callback.
 */
final class DemoBrowser {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();

    private DemoBrowser() {
    }

    /** Signs in as {@code user} and returns the page the callback showed. */
    static String signIn(URI authorizationUri, String user) throws IOException, InterruptedException {
        HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(authorizationUri)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + user)).build(),
                HttpResponse.BodyHandlers.ofString());
        URI callback = authorizationUri.resolve(login.headers().firstValue("Location")
                .orElseThrow(() -> new IOException("the identity provider did not redirect after login")));
        return HTTP.send(HttpRequest.newBuilder(callback).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
