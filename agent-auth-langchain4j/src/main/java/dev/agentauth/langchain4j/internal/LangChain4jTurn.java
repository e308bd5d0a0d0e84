package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.Continuation;
import dev.agentauth.agent.spi.Turn;
import dev.agentauth.agent.spi.TurnScope;
import dev.agentauth.core.Principal;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j AI-service invocation as the agent core's {@link Turn}: its invocation id, memory id, the principal its
 * {@link PrincipalResolver} finds, the tool calls of the assistant message in chat memory, and its continuation.
 * One per tool call; cheap (the principal and batch are read when asked).
 */
final class LangChain4jTurn implements Turn {

    private final InvocationContext context;
    private final PrincipalResolver principals;
    private final ChatMemoryProvider memory;
    private final Continuations continuations;

    LangChain4jTurn(InvocationContext context, PrincipalResolver principals, ChatMemoryProvider memory,
                    Continuations continuations) {
        this.context = context;
        this.principals = principals;
        this.memory = memory;
        this.continuations = continuations;
    }

    InvocationContext context() {
        return context;
    }

    @Override
    public String id() {
        return id(context);
    }

    /** The turn id of an AI service call: its invocation id. */
    static String id(InvocationContext context) {
        if (context == null || context.invocationId() == null) {
            return "no-invocation-id";
        }
        java.util.UUID uuid = context.invocationId();
        LastId last = lastId;
        if (last != null && last.uuid == uuid) {
            return last.id;
        }
        String id = uuid.toString();
        lastId = new LastId(uuid, id);
        return id;
    }

    /**
     * The last invocation id turned into a turn id, by the UUID object's identity: a turn without a scope (see
     * {@link InvocationScope}) asks for its id at each tool call, and an interrupting turn once per call that needs a
     * consent, so this saves a string and its hash per ask. One slot for the process, not one per
     * thread: a thread-local entry would lengthen every thread's map that the libraries under a tool probe per call
     * (Jackson's buffer recyclers); concurrent turns only overwrite each other's slot (an immutable pair).
     */
    private record LastId(java.util.UUID uuid, String id) {
    }

    private static volatile LastId lastId;

    /** The AI-service call's {@link InvocationScope}, when the agent's proxy made the call; else {@code null}. */
    @Override
    public TurnScope scope() {
        return InvocationScope.of(context);
    }

    @Override
    public Object memoryId() {
        return context.chatMemoryId();
    }

    @Override
    public Principal principal() {
        Principal p = principals.resolve(context);
        if (p == null) {
            throw new dev.agentauth.agent.MissingPrincipalException("no user for this tool call: the"
                    + " PrincipalResolver found none; pass the signed-in user with the AI-service call");
        }
        return p;
    }

    @Override
    public List<ToolCall> batch(ToolCall current) {
        if (context.chatMemoryId() != null) {
            List<ChatMessage> messages = memory.get(context.chatMemoryId()).messages();
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (messages.get(i) instanceof AiMessage ai && ai.hasToolExecutionRequests()
                        && ai.toolExecutionRequests().stream().anyMatch(r -> Objects.equals(r.id(), current.id()))) {
                    return ai.toolExecutionRequests().stream().map(LangChain4jTurn::call).toList();
                }
            }
        }
        return List.of(current);
    }

    @Override
    public Continuation continuation() {
        return continuations.of(context);
    }

    static ToolCall call(ToolExecutionRequest r) {
        return new ToolCall(r.id() == null ? "" : r.id(), r.name(), r.arguments());
    }
}
