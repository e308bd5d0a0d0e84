package dev.agentauth.agent.testkit;

import dev.agentauth.agent.InsufficientScopeException;
import dev.agentauth.agent.TokenRejectedException;
import dev.agentauth.core.Scopes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The bodies of the tools every harness gives its agent, against the contract's notes API (a real HTTP server that
 * verifies the identity provider's JWTs and answers with the token's subject's notes). A harness declares two tools
 * in its framework's own way, each calling one method here, with exactly these names, descriptions and annotations
 * (the constants below, so an annotation can name them):
 *
 * <pre>{@code
 * @Tool(ContractTools.LIST_NOTES_DESCRIPTION)                       // LangChain4j's @Tool, or Spring AI's
 * @AuthenticatedTool(provider = ContractTools.PROVIDER, scopes = ContractTools.LIST_NOTES_SCOPES)
 * public String listNotes(@InjectToken String token) {             // the parameter is named "token"
 *     return tools.listNotes(token);
 * }
 *
 * @Tool(ContractTools.ARCHIVE_NOTES_DESCRIPTION)
 * @AuthenticatedTool(provider = ContractTools.PROVIDER, scopes = ContractTools.ARCHIVE_NOTES_SCOPES)
 * public String archiveNotes(ToolCredential credential) {          // the framework's credential: LangChain4j's
 *     return tools.archiveNotes(credential.authorizationHeader(), credential.scopes());   // parameter type, or
 * }                                                                // Spring AI's ToolCredential.from(toolContext)
 * }</pre>
 *
 * <p>{@code listNotes} gets its token through {@code @InjectToken}; {@code archiveNotes} through the framework's
 * credential object, and asks for more than it is annotated with, as an API answering 403
 * {@code insufficient_scope} does. Both throw {@link TokenRejectedException} on the API's 401.
 *
 * <p>Every call is recorded with the credential it was given ({@link #runs()}), so the contract can count them and
 * check whose token each used. Thread-safe; each call blocks on the notes API.
 *
 * @since 0.3.0
 */
public final class ContractTools {

    /** The provider of both tools. */
    public static final String PROVIDER = "corp";
    /** The provider's display name, on the consent card. */
    public static final String PROVIDER_DISPLAY_NAME = "Corp Notes";
    /** The first tool's name. */
    public static final String LIST_NOTES = "listNotes";
    /** The first tool's description. */
    public static final String LIST_NOTES_DESCRIPTION = "List my notes";
    /** The first tool's scopes. */
    public static final String LIST_NOTES_SCOPES = "notes.read";
    /** The second tool's name. */
    public static final String ARCHIVE_NOTES = "archiveNotes";
    /** The second tool's description. */
    public static final String ARCHIVE_NOTES_DESCRIPTION = "Archive my notes";
    /** The second tool's scopes, as annotated: fewer than its API wants. */
    public static final String ARCHIVE_NOTES_SCOPES = "notes.read";
    /** What the second tool's API wants besides: a step-up. */
    public static final String ARCHIVE_SCOPE = "notes.archive";

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final URI notes;
    private final List<Run> runs = new CopyOnWriteArrayList<>();

    ContractTools(URI notes) {
        this.notes = Objects.requireNonNull(notes, "notes");
    }

    /**
     * One call of a tool.
     *
     * @param tool  the tool's name
     * @param token the token it was given (a secret: the contract only compares it)
     */
    public record Run(String tool, String token) {
        @Override
        public String toString() {
            return "Run[" + tool + ", token=redacted]";
        }
    }

    /**
     * {@value #LIST_NOTES}: the user's notes, read with {@code token}.
     *
     * @throws TokenRejectedException the API answered 401
     */
    public String listNotes(String token) {
        runs.add(new Run(LIST_NOTES, token));
        return get("Bearer " + token);
    }

    /**
     * {@value #ARCHIVE_NOTES}: archives the user's notes, when the credential was granted {@value #ARCHIVE_SCOPE}.
     *
     * @param authorizationHeader the credential's {@code Authorization} header value
     * @param granted             the scopes the credential was granted
     * @throws InsufficientScopeException {@value #ARCHIVE_SCOPE} was not granted (the API's 403)
     * @throws TokenRejectedException     the API answered 401
     */
    public String archiveNotes(String authorizationHeader, Scopes granted) {
        runs.add(new Run(ARCHIVE_NOTES, authorizationHeader.substring(authorizationHeader.indexOf(' ') + 1)));
        if (!granted.containsAll(Scopes.of(ARCHIVE_SCOPE))) {
            throw new InsufficientScopeException(ARCHIVE_SCOPE);
        }
        return "archived " + get(authorizationHeader) + " with scopes " + granted;
    }

    /** Every call so far, in order. */
    public List<Run> runs() {
        return List.copyOf(runs);
    }

    /** How many times {@code tool} ran. */
    public long runs(String tool) {
        return runs.stream().filter(r -> r.tool().equals(tool)).count();
    }

    private String get(String authorization) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(notes).header("Authorization", authorization)
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 401) {
                throw new TokenRejectedException();
            }
            if (r.statusCode() != 200) {
                throw new IllegalStateException("the notes API answered HTTP " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("the notes API is unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling the notes API", e);
        }
    }
}
