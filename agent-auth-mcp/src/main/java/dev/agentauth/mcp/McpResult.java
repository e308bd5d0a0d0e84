package dev.agentauth.mcp;

import dev.agentauth.core.ConsentRequiredException;
import dev.agentauth.core.ConsentRequirement;
import java.util.Objects;

/**
 * The outcome of an MCP operation for a user: the server's answer, or the consent the user must give first. A
 * LangChain4j {@code ToolProvider} turns {@link ConsentRequired} into the consent interrupt; a CLI shows the URL and
 * calls again once {@code TokenBroker.consentCompletion(id)} completes.
 *
 * @param <T> the answer's type
 */
public sealed interface McpResult<T> permits McpResult.Completed, McpResult.ConsentRequired {

    /** The server answered. */
    record Completed<T>(T value) implements McpResult<T> {
        public Completed {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * Nothing was sent with a token yet: the user must authorize first — show {@code consent().prompt()} (a page to
     * open, or a code to enter on another device), or just the page {@code consent().authorizationUri()}.
     */
    record ConsentRequired<T>(ConsentRequirement consent) implements McpResult<T> {
        public ConsentRequired {
            Objects.requireNonNull(consent, "consent");
        }
    }

    /** The answer, or {@link ConsentRequiredException} carrying the consent. */
    default T orThrow() {
        if (this instanceof Completed<T> c) {
            return c.value();
        }
        throw new ConsentRequiredException(((ConsentRequired<T>) this).consent());
    }
}
