package dev.agentauth.springai.internal;

import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.ToolResult;
import java.util.Map;
import java.util.function.BiFunction;
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
    private final BiFunction<ToolCall, SpringAiTurn, ToolResult> run;

    AgentToolCallback(ToolDefinition definition, ToolMetadata metadata,
                      BiFunction<ToolCall, SpringAiTurn, ToolResult> run) {
        this.definition = definition;
        this.metadata = metadata;
        this.run = run;
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
        return run.apply(call, turn).text();
    }

    @Override
    public String toString() {
        return "AgentToolCallback[" + definition.name() + "]";
    }
}
