package dev.agentauth.tools;

import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import java.util.List;
import java.util.Objects;

/**
 * Tools whose specifications and execution live elsewhere — an MCP server, say — and that act with the user's own
 * credential. An {@link AuthenticatedAgent} treats them like {@link AuthenticatedTool} methods: same consent
 * interrupt, resume, blocking and tell-the-model modes. {@code agent-auth-mcp}'s {@code AuthenticatedMcpToolset} is
 * one.
 *
 * <p>Implementations must be thread-safe. {@link #toolSpecifications} is called for every model request, so it must
 * be cheap (answer from a cache) and must never ask a user to consent.
 */
public interface ToolSource {

    /** The tools the model may call now, for {@code principal}. Never starts a consent. */
    List<ToolSpecification> toolSpecifications(Principal principal);

    /**
     * Runs the tool call for {@code principal} with their credential, or says which consent is missing. Blocks.
     *
     * @throws dev.agentauth.core.AgentAuthException when the credential cannot be had: let it leave, the agent decides
     *         as for {@link AuthenticatedTool} methods — thrown out of the AI-service call when it is the operator's
     *         to fix (e.g. {@code ConfigurationException}, {@code TokenRefusedException}), told to the model when it
     *         is transient (e.g. {@code ProviderUnavailableException}) or the user's
     */
    Outcome execute(Principal principal, ToolExecutionRequest request);

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
