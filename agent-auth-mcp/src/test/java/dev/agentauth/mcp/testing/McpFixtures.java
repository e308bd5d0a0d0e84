package dev.agentauth.mcp.testing;

import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.mcp.McpResult;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Small factories shared by the MCP tests. */
public final class McpFixtures {

    private McpFixtures() {
    }

    /** The consent of a result that must be one. */
    public static ConsentRequirement consentOf(McpResult<?> result) {
        if (!(result instanceof McpResult.ConsentRequired<?> c)) {
            throw new AssertionError("expected a consent requirement, got " + result);
        }
        return c.consent();
    }

    /** {@code user} signs in at the identity provider and the broker redeems the code. */
    public static void consent(TokenBroker broker, McpResult<?> result, String user) {
        ConsentRequirement consent = consentOf(result);
        new ScriptedBrowser().authorize(consent.authorizationUri(), user);
        try {
            broker.consentCompletion(consent.id()).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("consent did not complete", e);
        }
    }

    /**
     * Like {@link #consent(TokenBroker, McpResult, String)}, with extra claims for the token (mock-oauth2-server's
     * login form takes them), e.g. the {@code scope} the authorization server granted.
     */
    public static void consent(TokenBroker broker, McpResult<?> result, String user, String claimsJson) {
        ConsentRequirement consent = consentOf(result);
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        try {
            String form = "username=" + java.net.URLEncoder.encode(user, java.nio.charset.StandardCharsets.UTF_8)
                    + "&claims=" + java.net.URLEncoder.encode(claimsJson, java.nio.charset.StandardCharsets.UTF_8);
            java.net.http.HttpResponse<String> posted = http.send(java.net.http.HttpRequest
                    .newBuilder(consent.authorizationUri())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            String location = posted.headers().firstValue("Location").orElseThrow(
                    () -> new AssertionError("login did not redirect: HTTP " + posted.statusCode()));
            new ScriptedBrowser().get(consent.authorizationUri().resolve(location));
            broker.consentCompletion(consent.id()).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("consent did not complete", e);
        }
    }

    /**
     * {@code user} signs in, but at an authorization URL with {@link HttpMcpTestServer#ADMIN_SCOPE} taken out, as if
     * they unticked it: the token lacks it while the broker's grant claims it.
     */
    public static void consentWithoutAdmin(TokenBroker broker, ConsentRequirement consent, String user) {
        java.net.URI narrowed = java.net.URI.create(consent.authorizationUri().toString()
                .replace("%20mcp%3Aadmin", "").replace("mcp%3Aadmin%20", "").replace("+mcp%3Aadmin", ""));
        new ScriptedBrowser().authorize(narrowed, user);
        broker.consentCompletion(consent.id()).join();
    }

    /** The text of a tool result's first content. */
    public static String text(McpResult<McpSchema.CallToolResult> result) {
        McpSchema.CallToolResult r = result.orThrow();
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    /** {@code java ... <main>} with the test class path, logs on stderr. */
    public static List<String> javaCommand(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Dlogback.configurationFile=" + resource("logback-stderr.xml"));
        cmd.add("-cp");
        cmd.add(testClassPath());
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        return cp;
    }

    static String resource(String name) {
        try {
            return new File(McpFixtures.class.getClassLoader().getResource(name).toURI()).getAbsolutePath();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The directory of the npm-installed MCP tools (scripts/install-mcp-tools.sh, run by the build). */
    public static Path mcpTools() {
        Path p = Path.of(System.getProperty("agentauth.mcpTools", "../target/mcp-tools")).toAbsolutePath()
                .normalize();
        if (!Files.isDirectory(p.resolve("node_modules"))) {
            throw new AssertionError("MCP tools are not installed at " + p + ": run scripts/install-mcp-tools.sh"
                    + " (the Maven build runs it in generate-test-resources)");
        }
        return p;
    }
}
