package dev.agentauth.core;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Where an assertion (a JWT) comes from when the broker needs one, read anew for every token request:
 *
 * <ul>
 *   <li><b>workload identity</b> ({@link Flow#WORKLOAD_IDENTITY}): the token the platform gives the workload — a
 *       Kubernetes projected service-account token or a SPIFFE JWT-SVID in a {@link #file file} the platform
 *       rotates, a CI system's OIDC token from a {@link #command command} or {@link #url URL};</li>
 *   <li><b>enterprise-managed authorization</b> ({@link Flow#IDENTITY_ASSERTION}): the user's ID token from the
 *       enterprise identity provider the application signed them in with ({@link #of}).</li>
 * </ul>
 *
 * <p>Implementations must be thread-safe; {@link #assertion} may block (file, process, network) and is called outside
 * the cached-token path, only when a token is obtained or renewed. The assertion is a secret: it is never logged.
 *
 * @since 0.2.0
 */
@FunctionalInterface
public interface AssertionSource {

    /**
     * The current assertion for {@code principal}.
     *
     * @throws MissingCredentialException there is none now (a file that is missing or empty, a failing command)
     */
    String assertion(Principal principal);

    /** The assertion computed by {@code source} (e.g. the signed-in user's ID token from the application's session). */
    static AssertionSource of(Function<Principal, String> source) {
        Objects.requireNonNull(source, "source");
        return source::apply;
    }

    /**
     * The content of {@code file}, trimmed, read on every token request so a rotated token is picked up (Kubernetes
     * projected service-account tokens, SPIFFE JWT-SVIDs written by the SPIFFE helper).
     */
    static AssertionSource file(Path file) {
        Objects.requireNonNull(file, "file");
        return principal -> {
            try {
                String s = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (s.isEmpty()) {
                    throw new MissingCredentialException("the workload token file " + file + " is empty; check that"
                            + " the platform mounts the token there", null, principal);
                }
                return s;
            } catch (IOException e) {
                throw new MissingCredentialException("cannot read the workload token file " + file + " ("
                        + e.getClass().getSimpleName() + "); check that the platform mounts the token there", null,
                        principal);
            }
        };
    }

    /**
     * The standard output of {@code command} (trimmed), run on every token request with a 30 s limit, e.g. a CLI
     * that prints the CI system's OIDC token. The command's error output is discarded (it may echo secrets).
     */
    static AssertionSource command(List<String> command) {
        List<String> cmd = List.copyOf(command);
        if (cmd.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        return principal -> {
            try {
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readNBytes(64 * 1024);
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new MissingCredentialException("the workload token command " + cmd.get(0)
                            + " did not finish within 30 s", null, principal);
                }
                String s = new String(out, StandardCharsets.UTF_8).trim();
                if (p.exitValue() != 0 || s.isEmpty()) {
                    throw new MissingCredentialException("the workload token command " + cmd.get(0) + " failed (exit "
                            + p.exitValue() + (s.isEmpty() ? ", no output" : "") + ")", null, principal);
                }
                return s;
            } catch (IOException e) {
                throw new MissingCredentialException("cannot run the workload token command " + cmd.get(0) + " ("
                        + e.getClass().getSimpleName() + ")", null, principal);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MissingCredentialException("interrupted while running the workload token command "
                        + cmd.get(0), null, principal);
            }
        };
    }

    /**
     * The body of a GET of {@code url} (trimmed) with {@code headers} (name, value, name, value…), e.g. a CI system's
     * OIDC token endpoint with its request token. 10 s limits.
     */
    static AssertionSource url(URI url, String... headers) {
        Objects.requireNonNull(url, "url");
        if (headers.length % 2 != 0) {
            throw new IllegalArgumentException("headers come in name, value pairs");
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String[] h = headers.clone();
        return principal -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).GET();
            for (int i = 0; i < h.length; i += 2) {
                b.header(h[i], h[i + 1]);
            }
            try {
                HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                String s = r.body() == null ? "" : r.body().trim();
                if (r.statusCode() != 200 || s.isEmpty()) {
                    throw new MissingCredentialException("the workload token URL " + url.getHost() + " answered HTTP "
                            + r.statusCode(), null, principal);
                }
                return s;
            } catch (IOException e) {
                throw new MissingCredentialException("cannot fetch the workload token from " + url.getHost() + " ("
                        + e.getClass().getSimpleName() + ")", null, principal);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MissingCredentialException("interrupted while fetching the workload token", null,
                        principal);
            }
        };
    }
}
