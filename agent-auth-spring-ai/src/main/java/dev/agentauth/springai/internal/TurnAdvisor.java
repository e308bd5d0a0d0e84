package dev.agentauth.springai.internal;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.AgentAuthException;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.BaseAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The agent's outer advisor, around Spring AI's chat memory advisor and tool loop: it begins each {@code ChatClient}
 * call as a turn — who it acts for (the call's {@code agentauth.user} parameter), a {@link TurnState} in its tool
 * context, the tools of the agent's tool sources for that user; a resumed call's messages — and ends it: a consent
 * interrupt leaving the call is settled (memory answered, the interrupt stored) before it reaches the application, on
 * {@code call()} and on {@code stream()} alike; a failure the operator must fix leaves memory valid. The agent's chat
 * memory advisor is not in the chain: this advisor runs it directly around the rest of the chain, as the chain would
 * have run it next, which spares each call an advisor observation and a longer chain to build and sort. Thread-safe.
 */
final class TurnAdvisor implements CallAdvisor, StreamAdvisor {

    /** Outside Spring AI's tool loop ({@code HIGHEST_PRECEDENCE + 300}); the memory advisor runs within this one. */
    static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

    private final SpringAiAgent agent;
    /** The chat memory advisor this advisor runs itself, right inside the turn, or {@code null} (no memory). */
    private final BaseAdvisor memory;

    TurnAdvisor(SpringAiAgent agent, BaseAdvisor memory) {
        this.agent = agent;
        this.memory = memory;
    }

    @Override
    public String getName() {
        return "agent-auth turn";
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
        agent.checkChain(chain.getCallAdvisors());
        SpringAiAgent.Begun turn = agent.begin(request);
        try {
            if (memory == null) {
                return chain.nextCall(turn.request());
            }
            // What the memory advisor's adviseCall does, written out: one frame fewer under every tool.
            return memory.after(chain.nextCall(memory.before(turn.request(), chain)), chain);
        } catch (ConsentInterruptException e) {
            throw agent.settle(turn.state(), e);
        } catch (AgentAuthException e) {
            agent.settleFailure(turn.state(), e);
            throw e;
        } finally {
            turn.end();
        }
    }

    @Override
    public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
        return Flux.defer(() -> {
            agent.checkChain(chain.getStreamAdvisors());
            SpringAiAgent.Begun turn = agent.begin(request);
            // Settling waits for the turn's other tool calls and writes to the stores: off the reactive threads.
            return (memory != null ? memory.adviseStream(turn.request(), chain) : chain.nextStream(turn.request()))
                    .onErrorResume(AgentAuthException.class, e -> Mono.<ChatClientResponse>fromCallable(() -> {
                        if (e instanceof ConsentInterruptException interrupt) {
                            throw agent.settle(turn.state(), interrupt);
                        }
                        agent.settleFailure(turn.state(), e);
                        throw e;
                    }).subscribeOn(Schedulers.boundedElastic()))
                    .doFinally(signal -> turn.end());
        });
    }
}
