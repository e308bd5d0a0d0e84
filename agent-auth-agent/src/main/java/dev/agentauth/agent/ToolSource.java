package dev.agentauth.agent;

import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import java.util.List;
import java.util.Objects;

/**
 * Tools whose descriptions and execution live elsewhere — an MCP server, say — and that act with the user's own
 * credential. An agent treats them like {@link AuthenticatedTool} methods, in every framework adapter: same consent
 * interrupt, resume, blocking and tell-the-model modes. {@code agent-auth-mcp}'s {@code AuthenticatedMcpToolset} is
 * one.
 *
 * <p>Implementations must be thread-safe. {@link #tools} is called for every model request, so it must be cheap
 * (answer from a cache) and must never ask a user to consent.
 *
 * @since 0.3.0
 */
public interface ToolSource {

    /** The tools the model may call now, for {@code principal}. Never starts a consent. */
    List<ToolDescriptor> tools(Principal principal);

    /**
     * Whether a call of tool {@code name} is this source's, for a waiting call the agent runs on resume — possibly on
     * another replica, after the source's list changed (an MCP server's {@code connect_} tool gave way to its real
     * tools once the user connected). The default: whether {@link #tools} lists it now.
     */
    default boolean offers(String name, Principal principal) {
        return tools(principal).stream().anyMatch(d -> d.name().equals(name));
    }

    /**
     * Runs the tool call for {@code principal} with their credential, or says which consent is missing. Blocks.
     *
     * @throws dev.agentauth.core.AgentAuthException when the credential cannot be had: let it leave, the agent decides
     *         as for {@link AuthenticatedTool} methods — thrown out of the agent call when it is the operator's to
     *         fix (e.g. {@code ConfigurationException}, {@code TokenRefusedException}), told to the model when it is
     *         transient (e.g. {@code ProviderUnavailableException}) or the user's
     */
    Outcome execute(Principal principal, ToolCall call);

    /** What a tool call of a {@link ToolSource} came to. */
    sealed interface Outcome permits Outcome.Completed, Outcome.ConsentRequired {

        /** The tool ran (or failed in a way the model should hear about); {@code text} goes to the model. */
        record Completed(String text, boolean isError) implements Outcome {
            public Completed {
                Objects.requireNonNull(text, "text");
            }
        }

        /** Nothing ran: the user must authorize first. */
        record ConsentRequired(ConsentRequirement consent) implements Outcome {
            public ConsentRequired {
                Objects.requireNonNull(consent, "consent");
            }
        }
    }
}
