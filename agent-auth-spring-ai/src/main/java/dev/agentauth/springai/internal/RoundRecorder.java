package dev.agentauth.springai.internal;

import java.util.List;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * The tool loop's {@link ToolCallingManager}, recording each round in the call's {@link TurnState} as the loop hands it
 * the round to run — the turn's history so far and the model's answer with its tool calls — then running the tools
 * with the application's manager. What {@link RoundAdvisor} records from inside the advisor chain, for a
 * {@code ChatClient} the agent builds itself: no advisor in the loop, so a round costs no advisor observation and no
 * longer chain copy. Thread-safe; blocks as the delegate does.
 */
final class RoundRecorder implements ToolCallingManager {

    private final ToolCallingManager delegate;

    RoundRecorder(ToolCallingManager delegate) {
        this.delegate = delegate;
    }

    @Override
    public List<ToolDefinition> resolveToolDefinitions(ToolCallingChatOptions options) {
        return delegate.resolveToolDefinitions(options);
    }

    @Override
    public ToolExecutionResult executeToolCalls(Prompt prompt, ChatResponse response) {
        TurnState state = TurnState.of(prompt.getOptions());
        if (state != null) {
            state.request(prompt.getInstructions());
            state.response(response);
        }
        return delegate.executeToolCalls(prompt, response);
    }

    @Override
    public String toString() {
        return "RoundRecorder[" + delegate + "]";
    }
}
