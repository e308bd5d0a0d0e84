package dev.agentauth.springai.internal;

import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;

/**
 * Spring AI's tool loop, recording each round in the call's {@link TurnState} through the loop's own hooks — what the
 * round sends (the turn's history so far) before the model is called, and the model's answer with its tool calls
 * before they run — for a {@code ChatClient} the agent builds. What {@link RoundAdvisor} records from inside the advisor
 * chain: no advisor in the loop, so a round costs no advisor observation, and nothing of the agent's sits between the
 * loop and the tools it runs. Otherwise exactly Spring AI's {@link ToolCallingAdvisor}. Thread-safe.
 */
final class RoundRecorder extends ToolCallingAdvisor {

    private RoundRecorder(Builder builder) {
        super(builder.manager(), builder.getToolExecutionEligibilityChecker(), builder.getAdvisorOrder(),
                builder.historyEnabled());
    }

    @Override
    protected ChatClientRequest doBeforeCall(ChatClientRequest request, CallAdvisorChain chain) {
        return sent(request);
    }

    @Override
    protected ChatClientResponse doAfterCall(ChatClientResponse response, CallAdvisorChain chain) {
        return answered(response);
    }

    @Override
    protected ChatClientRequest doBeforeStream(ChatClientRequest request, StreamAdvisorChain chain) {
        return sent(request);
    }

    @Override
    protected ChatClientResponse doAfterStream(ChatClientResponse response, StreamAdvisorChain chain) {
        return answered(response); // the round's whole answer, aggregated
    }

    private static ChatClientRequest sent(ChatClientRequest request) {
        TurnState state = TurnState.of(request.context());
        if (state != null) {
            state.request(request.prompt().getInstructions());
        }
        return request;
    }

    private static ChatClientResponse answered(ChatClientResponse response) {
        TurnState state = TurnState.of(response.context());
        if (state != null) {
            state.response(response.chatResponse());
        }
        return response;
    }

    @Override
    public String toString() {
        return "RoundRecorder[" + getOrder() + "]";
    }

    /**
     * The builder Spring AI copies for each call's tool loop ({@code ChatClient.builder(model, ..., builder)}):
     * builds a {@link RoundRecorder}, and its copies do too.
     */
    static final class Builder extends ToolCallingAdvisor.Builder<Builder> {

        @Override
        protected Builder newCopy() {
            return new Builder();
        }

        @Override
        public ToolCallingAdvisor build() {
            return new RoundRecorder(this);
        }

        private org.springframework.ai.model.tool.ToolCallingManager manager() {
            return getToolCallingManager();
        }

        private boolean historyEnabled() {
            return isConversationHistoryEnabled();
        }
    }
}
