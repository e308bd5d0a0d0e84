package dev.agentauth.springai.internal;

import org.springframework.ai.chat.client.ChatClientMessageAggregator;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;

/**
 * The agent's inner advisor, inside Spring AI's tool loop, next to the model: it records each round in the call's
 * {@link TurnState} — what was sent (the turn's exchange so far) and the assistant message whose tool calls the loop
 * runs next — so that a tool call knows its id and its batch, and an interrupt what to keep. It changes nothing.
 * Thread-safe.
 */
final class RoundAdvisor implements CallAdvisor, StreamAdvisor {

    /** Inside the tool loop ({@code HIGHEST_PRECEDENCE + 300}), before the model ({@code LOWEST_PRECEDENCE}). */
    static final int ORDER = Ordered.LOWEST_PRECEDENCE - 1000;

    private static final ChatClientMessageAggregator AGGREGATOR = new ChatClientMessageAggregator();

    @Override
    public String getName() {
        return "agent-auth round";
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
        TurnState state = TurnState.of(request.prompt().getOptions());
        if (state != null) {
            state.request(request.prompt().getInstructions());
        }
        ChatClientResponse response = chain.nextCall(request);
        if (state != null) {
            state.response(response.chatResponse());
        }
        return response;
    }

    @Override
    public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
        TurnState state = TurnState.of(request.prompt().getOptions());
        if (state == null) {
            return chain.nextStream(request);
        }
        return Flux.defer(() -> {
            state.request(request.prompt().getInstructions());
            return AGGREGATOR.aggregateChatClientResponse(chain.nextStream(request),
                    aggregated -> state.response(aggregated.chatResponse()));
        });
    }
}
