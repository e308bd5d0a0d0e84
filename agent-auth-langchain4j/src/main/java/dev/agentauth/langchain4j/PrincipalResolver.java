package dev.agentauth.langchain4j;

import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.core.Principal;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.invocation.InvocationParameters;
import java.util.Objects;

/**
 * Finds who a tool call acts for, from the AI-service invocation — never from tool arguments or model output, which
 * the model controls. Must be thread-safe; called once per tool call.
 */
@FunctionalInterface
public interface PrincipalResolver {

    /** The {@link InvocationParameters} key holding the user id. */
    String USER = "agentauth.user";
    /** The {@link InvocationParameters} key holding the agent id (optional). */
    String AGENT = "agentauth.agent";

    /**
     * The principal of this invocation.
     *
     * @throws MissingPrincipalException when there is nobody to act for (the AI-service call then fails with it,
     *                                   and the model is told nothing)
     */
    Principal resolve(InvocationContext context);

    /**
     * Reads {@link #USER} (and {@link #AGENT}, else {@code defaultAgent}) from the invocation's
     * {@link InvocationParameters}: {@code assistant.chat(memoryId, message, InvocationParameters.from(USER, "alice"))}.
     */
    static PrincipalResolver invocationParameters(String defaultAgent) {
        Objects.requireNonNull(defaultAgent, "defaultAgent");
        return context -> {
            InvocationParameters p = context.invocationParameters();
            Object user = p == null ? null : p.get(USER);
            if (!(user instanceof String u) || u.isBlank()) {
                throw new MissingPrincipalException("no user for this tool call: pass InvocationParameters with '"
                        + USER + "' to the AI-service method, or configure another PrincipalResolver");
            }
            Object agent = p.get(AGENT);
            return Principal.of(u, agent instanceof String a && !a.isBlank() ? a : defaultAgent);
        };
    }

    /**
     * Uses the chat memory id as the user id: for applications whose memory ids are user ids (one conversation per
     * user). Do not use it when memory ids are conversation ids that users can choose.
     */
    static PrincipalResolver memoryIdAsUser(String agent) {
        Objects.requireNonNull(agent, "agent");
        return context -> {
            Object id = context.chatMemoryId();
            if (id == null || "default".equals(id)) {
                throw new MissingPrincipalException("no user for this tool call: the chat memory id is missing;"
                        + " annotate a parameter with @MemoryId");
            }
            return Principal.of(String.valueOf(id), agent);
        };
    }
}
