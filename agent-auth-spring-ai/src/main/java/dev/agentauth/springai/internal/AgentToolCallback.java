package dev.agentauth.springai.internal;

import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.agent.spi.AgentCore;
import dev.agentauth.agent.spi.ToolBinding;
import java.util.Map;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.metadata.ToolMetadata;

/**
 * A tool as Spring AI's tool loop sees it — its definition (credential parameters removed) and metadata — whose calls
 * go to the agent core: the call claims its id in its turn, the core gets the user's credential, runs the tool and
 * returns what the model reads. A consent interrupt, a missing user or a failure the operator must fix is thrown as
 * itself, never wrapped in Spring AI's {@code ToolExecutionException}: Spring AI's tool loop lets it leave the
 * {@code ChatClient} call whatever the application's {@code ToolExecutionExceptionProcessor} does with tool failures.
 * Thread-safe.
 */
final class AgentToolCallback implements ToolCallback {

    private final ToolDefinition definition;
    private final ToolMetadata metadata;
    private final AgentCore core;
    /** What the call runs: a bound tool, else a tool source's tool. */
    private final ToolBinding binding;
    private final ToolSource source;

    /** A bound tool's callback. */
    AgentToolCallback(ToolDefinition definition, ToolMetadata metadata, AgentCore core, ToolBinding binding) {
        this(definition, metadata, core, binding, null);
    }

    /** The callback of a tool that {@code source} offers. */
    AgentToolCallback(ToolDefinition definition, ToolMetadata metadata, AgentCore core, ToolSource source) {
        this(definition, metadata, core, null, source);
    }

    private AgentToolCallback(ToolDefinition definition, ToolMetadata metadata, AgentCore core, ToolBinding binding,
                              ToolSource source) {
        this.definition = definition;
        this.metadata = metadata;
        this.core = core;
        this.binding = binding;
        this.source = source;
    }

    @Override
    public ToolDefinition getToolDefinition() {
        return definition;
    }

    @Override
    public ToolMetadata getToolMetadata() {
        return metadata;
    }

    @Override
    public String call(String toolInput) {
        return call(toolInput, null);
    }

    @Override
    public String call(String toolInput, ToolContext toolContext) {
        Map<String, Object> context = toolContext == null ? Map.of() : toolContext.getContext();
        TurnState state = TurnState.of(context);
        SpringAiTurn turn = new SpringAiTurn(state, context);
        ToolCall call = state != null ? state.claim(definition.name(), toolInput)
                : new ToolCall(turn.id(), definition.name(), toolInput);
        // Called directly, not through a function: Spring AI's result converter may fill in a stack trace under here.
        return (binding != null ? core.run(binding, call, turn) : core.run(source, call, turn)).text();
    }

    @Override
    public String toString() {
        return "AgentToolCallback[" + definition.name() + "]";
    }
}
