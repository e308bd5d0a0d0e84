package dev.agentauth.langchain4j;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.langchain4j.invocation.LangChain4jManaged;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The credential handed to an {@link AuthenticatedTool} LangChain4j tool method that declares a parameter of this
 * type: richer than an {@code @InjectToken String}. LangChain4j leaves parameters of this type out of the tool
 * specification (it is a {@link LangChain4jManaged} parameter). {@link #toString()} is redacted. Immutable and
 * thread-safe.
 */
public final class ToolCredential implements LangChain4jManaged {

    private final dev.agentauth.agent.ToolCredential credential;

    /** The LangChain4j form of the agent core's credential. */
    public ToolCredential(dev.agentauth.agent.ToolCredential credential) {
        this.credential = Objects.requireNonNull(credential, "credential");
    }

    /** The token or API key. Send it to the API; never return it from the tool. */
    public String value() {
        return credential.value();
    }

    /** {@code Bearer <token>}, for an {@code Authorization} header. */
    public String authorizationHeader() {
        return credential.authorizationHeader();
    }

    public String tokenType() {
        return credential.tokenType();
    }

    public ProviderId provider() {
        return credential.provider();
    }

    public Scopes scopes() {
        return credential.scopes();
    }

    public Optional<Instant> expiresAt() {
        return credential.expiresAt();
    }

    @Override
    public String toString() {
        return credential.toString();
    }
}
