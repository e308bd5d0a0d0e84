package dev.agentauth.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Keycloak (the {@code org.keycloak:keycloak-quarkus-dist} zip, unpacked by the build into
 * {@code target/keycloak}) in dev mode on a random loopback port, for the grants mock-oauth2-server lacks — the device
 * authorization grant (RFC 8628). Realm {@code agents}: user {@code alice} (password {@code alice-pw}), confidential
 * clients {@code device-agent} (device grant, polling interval 1 s) and {@code short-device-agent} (device codes live 2
 * s). {@link #approve} and {@link #deny} act as the user in a browser: the verification page, the login form, the
 * grant page. One server per test JVM ({@link #shared()}), stopped at exit.
 *
 * <p>OpenID CIBA: client {@code approval-agent} (secret {@code approval-secret}) may use the CIBA grant; the realm's
 * CIBA policy is poll mode, requests live 10 s, polling interval 2 s, users named by {@code login_hint} (their user
 * name). Keycloak's HTTP authentication channel points at {@link #device()}, the user's phone. Client
 * {@code ping-agent} (secret {@code ping-secret}) uses ping mode: Keycloak notifies {@link CibaDevice#notificationUrl()},
 * which hands the notification to the test's broker ({@link CibaDevice#onNotification}). Keycloak 26 does not put
 * a CIBA request's {@code authorization_details} (RFC 9396) into the token by itself: it keeps every extra request
 * parameter as the client session note {@code ciba_backchannel_request_param_<name>}, and a deployment maps it into
 * the access token with a protocol mapper. This server does what such a deployment does: a deployed script mapper
 * ({@code authorization-details.js}, feature {@code scripts}) on the client copies that note into the claim
 * {@code authorization_details} as JSON; an audience mapper adds {@code bank-api} to {@code aud}, for the API that
 * verifies these tokens. Keycloak drops extra CIBA parameters longer than 200 characters, so the details
 * of an action must stay that short here.
 */
public final class KeycloakServer implements AutoCloseable {

    public static final String REALM = "agents";
    private static KeycloakServer shared;

    private final Process process;
    private final int port;
    private final CibaDevice device;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private KeycloakServer(Process process, int port, CibaDevice device) {
        this.process = process;
        this.port = port;
        this.device = device;
        device.callback(URI.create(issuer() + "/protocol/openid-connect/ext/ciba/auth/callback"));
    }

    /** The user's device for CIBA: what Keycloak asked, and how the user answers. */
    public CibaDevice device() {
        return device;
    }

    /** The server of this test JVM, started on first use (about 10 s; up to 3 min on a slow machine). */
    public static synchronized KeycloakServer shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "keycloak-stop"));
        }
        return shared;
    }

    static KeycloakServer start() {
        Path home = distribution();
        try {
            // A fresh database each time: an import skips a realm that exists, and the realm file may have changed.
            deleteTree(home.resolve("data/h2"));
            Path imports = Files.createDirectories(home.resolve("data/import"));
            CibaDevice device = CibaDevice.start();
            try (var in = KeycloakServer.class.getResourceAsStream("/keycloak/agents-realm.json")) {
                // The ping-mode client's notification endpoint is the test's, on a port known only now.
                Files.writeString(imports.resolve("agents-realm.json"), new String(in.readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8).replace("${CIBA_NOTIFICATION_ENDPOINT}",
                        device.notificationUrl().toString()));
            }
            Path providers = Files.createDirectories(home.resolve("providers"));
            try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(
                    providers.resolve("agent-auth-test-mappers.jar")))) {
                for (String entry : new String[] {"META-INF/keycloak-scripts.json", "authorization-details.js"}) {
                    out.putNextEntry(new java.util.zip.ZipEntry(entry));
                    try (var in = KeycloakServer.class.getResourceAsStream("/keycloak/mappers/" + entry)) {
                        out.write(in.readAllBytes());
                    }
                    out.closeEntry();
                }
            }
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            ProcessBuilder pb = new ProcessBuilder("bash", home.resolve("bin/kc.sh").toString(), "start-dev",
                    "--http-port=" + port, "--http-host=127.0.0.1", "--import-realm", "--features=scripts",
                    "--spi-ciba-auth-channel--ciba-http-auth-channel--http-authentication-channel-uri="
                            + device.url())
                    .directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(home.resolveSibling("keycloak.log").toFile());
            pb.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
            pb.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin-" + port);
            pb.environment().put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            KeycloakServer server = new KeycloakServer(pb.start(), port, device);
            server.awaitReady(Duration.ofMinutes(3));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static Path distribution() {
        Path root = Path.of("target", "keycloak").toAbsolutePath();
        try (Stream<Path> dirs = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("keycloak-")
                    && Files.exists(d.resolve("bin/kc.sh"))).findFirst().orElseThrow(() -> new IllegalStateException(
                    "no Keycloak distribution under " + root.toAbsolutePath() + ": the build unpacks it"
                            + " (maven-dependency-plugin, generate-test-resources)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        URI metadata = URI.create(issuer() + "/.well-known/openid-configuration");
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with " + process.exitValue()
                        + "; see target/keycloak/keycloak.log");
            }
            try {
                if (http.send(HttpRequest.newBuilder(metadata).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("Keycloak did not start within " + max.toSeconds() + " s");
    }

    /** The realm's issuer, for OpenID Connect discovery. */
    public String issuer() {
        return "http://127.0.0.1:" + port + "/realms/" + REALM;
    }

    /** The realm's token endpoint path, for a gateway in front of it. */
    public String tokenPath() {
        return "/realms/" + REALM + "/protocol/openid-connect/token";
    }

    /** {@code user} opens the verification URI (the complete form), signs in and grants access. */
    public void approve(URI verificationUriComplete, String user, String password) {
        answer(verificationUriComplete, user, password, "accept");
    }

    /** {@code user} opens the verification URI, signs in and refuses access. */
    public void deny(URI verificationUriComplete, String user, String password) {
        answer(verificationUriComplete, user, password, "cancel");
    }

    private static final Pattern FORM = Pattern.compile("<form[^>]*action=\"([^\"]+)\"(.*?)</form>", Pattern.DOTALL);
    private static final Pattern HIDDEN = Pattern.compile("<input[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"");

    private void answer(URI verification, String user, String password, String button) {
        // Keycloak marks its cookies Secure; a browser keeps them for http://127.0.0.1, and so does this one.
        Map<String, String> cookies = new LinkedHashMap<>();
        Page login = follow(verification, null, cookies);
        Matcher form = FORM.matcher(login.body());
        if (!form.find()) {
            throw new AssertionError("no login form at " + login.uri());
        }
        Page grant = follow(login.uri().resolve(unescape(form.group(1))), Map.of("username", user, "password",
                password), cookies);
        Matcher consent = FORM.matcher(grant.body());
        if (!consent.find()) {
            throw new AssertionError("no grant page after signing in as " + user + " at " + grant.uri());
        }
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher hidden = HIDDEN.matcher(consent.group(2));
        while (hidden.find()) {
            fields.put(hidden.group(1), unescape(hidden.group(2)));
        }
        fields.put(button, "yes");
        Page done = follow(grant.uri().resolve(unescape(consent.group(1))), fields, cookies);
        if (button.equals("accept") && !done.body().contains("Device Login Successful")) {
            throw new AssertionError("the device login did not succeed: " + done.uri());
        }
    }

    private record Page(URI uri, String body) {
    }

    private Page follow(URI uri, Map<String, String> form, Map<String, String> cookies) {
        try {
            for (int hops = 0; hops < 10; hops++) {
                HttpRequest.Builder b = HttpRequest.newBuilder(uri);
                if (!cookies.isEmpty()) {
                    b.header("Cookie", String.join("; ", cookies.entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue()).toList()));
                }
                if (form != null) {
                    b.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers
                            .ofString(String.join("&", form.entrySet().stream().map(e -> e.getKey() + "="
                                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).toList())));
                }
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                for (String c : r.headers().allValues("Set-Cookie")) {
                    String pair = c.split(";", 2)[0];
                    int eq = pair.indexOf('=');
                    cookies.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                if (r.statusCode() / 100 != 3) {
                    return new Page(uri, r.body());
                }
                uri = uri.resolve(r.headers().firstValue("Location").orElseThrow());
                form = null;
            }
            throw new AssertionError("too many redirects from " + uri);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String unescape(String html) {
        return html.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<")
                .replace("&gt;", ">");
    }

    @Override
    public void close() {
        device.close();
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
