package dev.agentauth.springai.internal;

import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.Continuation;
import dev.agentauth.agent.spi.Turn;
import dev.agentauth.agent.spi.TurnScope;
import dev.agentauth.core.Principal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A tool call of a Spring AI {@code ChatClient} call as the agent core's {@link Turn}: the call's {@link TurnState}
 * (put into its tool context by the agent's advisor) and the tool context the tool was given. A tool called outside
 * the agent's {@code ChatClient} has no state: it acts for nobody, so an authenticated tool refuses to run. One per
 * tool call.
 */
final class SpringAiTurn implements Turn {

    private final TurnState state;
    private final Map<String, Object> toolContext;
    private final String ownId;

    SpringAiTurn(TurnState state, Map<String, Object> toolContext) {
        this.state = state;
        this.toolContext = toolContext == null ? Map.of() : toolContext;
        this.ownId = state == null ? "no-turn-" + UUID.randomUUID() : null;
    }

    /** The tool context Spring AI gave the call (the application's entries and the agent's). */
    Map<String, Object> toolContext() {
        return toolContext;
    }

    @Override
    public String id() {
        return state != null ? state.id() : ownId;
    }

    @Override
    public TurnScope scope() {
        return state != null ? state.scope : null;
    }

    @Override
    public Object memoryId() {
        return state != null ? state.conversationId : null;
    }

    @Override
    public Principal principal() {
        if (state == null || state.principal == null) {
            throw new MissingPrincipalException("no user for this tool call: pass the signed-in user with every"
                    + " ChatClient call of the agent, .advisors(AuthenticatedChatClient.user(name))");
        }
        return state.principal;
    }

    @Override
    public List<ToolCall> batch(ToolCall current) {
        return state != null ? state.batch(current) : List.of(current);
    }

    @Override
    public Continuation continuation() {
        return state != null ? Continuations.of(state) : null;
    }
}
