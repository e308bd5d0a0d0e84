package dev.agentauth.agent;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The credential of an {@link AuthenticatedTool} call: richer than the {@code String} an {@link InjectToken} parameter
 * gets. How a tool receives it depends on its framework: LangChain4j tools declare the LangChain4j adapter's credential
 * parameter type; Spring AI tools read it from their {@code ToolContext} with {@link #from(Map)}. {@link #toString()}
 * is redacted. Immutable and thread-safe.
 *
 * @since 0.3.0
 */
public final class ToolCredential {

    /** The key under which a framework's tool context holds the credential of the current call. */
    public static final String CONTEXT_KEY = "agentauth.credential";

    private final AccessToken token;

    public ToolCredential(AccessToken token) {
        this.token = Objects.requireNonNull(token, "token");
    }

    /**
     * The credential in a tool context (Spring AI's {@code ToolContext.getContext()}), put there by the agent for an
     * {@link AuthenticatedTool} call.
     *
     * @throws IllegalStateException the context holds none: the tool is not an {@link AuthenticatedTool}, or was not
     *                               called through an authenticated agent
     */
    public static ToolCredential from(Map<String, ?> toolContext) {
        Object c = toolContext == null ? null : toolContext.get(CONTEXT_KEY);
        if (c instanceof ToolCredential credential) {
            return credential;
        }
        throw new IllegalStateException("no agent-auth credential in this tool context: annotate the tool"
                + " @AuthenticatedTool and call it through an authenticated agent");
    }

    /** The token or API key. Send it to the API; never return it from the tool. */
    public String value() {
        return token.value();
    }

    /** {@code Bearer <token>} (or the scheme of the token type), for an {@code Authorization} header. */
    public String authorizationHeader() {
        return token.authorizationHeader();
    }

    public String tokenType() {
        return token.tokenType();
    }

    public ProviderId provider() {
        return token.provider();
    }

    public Scopes scopes() {
        return token.scopes();
    }

    public Optional<Instant> expiresAt() {
        return token.expiresAt();
    }

    /** The token this credential carries. */
    public AccessToken token() {
        return token;
    }

    @Override
    public String toString() {
        return "ToolCredential[provider=" + token.provider() + ", scopes=" + token.scopes() + ", value=redacted]";
    }
}
