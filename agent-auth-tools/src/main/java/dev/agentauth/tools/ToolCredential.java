package dev.agentauth.tools;

import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.langchain4j.invocation.LangChain4jManaged;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The credential handed to an {@link AuthenticatedTool} method that declares a parameter of this type: richer than a
 * {@code String} token. LangChain4j leaves parameters of this type out of the tool specification. {@link #toString()}
 * is redacted. Immutable and thread-safe.
 */
public final class ToolCredential implements LangChain4jManaged {

    private final dev.agentauth.core.AccessToken token;

    public ToolCredential(dev.agentauth.core.AccessToken token) {
        this.token = Objects.requireNonNull(token, "token");
    }

    /** The token or API key. Send it to the API; never return it from the tool. */
    public String value() {
        return token.value();
    }

    /** {@code Bearer <token>}, for an {@code Authorization} header. */
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

    @Override
    public String toString() {
        return "ToolCredential[provider=" + token.provider() + ", scopes=" + token.scopes() + ", value=redacted]";
    }
}
