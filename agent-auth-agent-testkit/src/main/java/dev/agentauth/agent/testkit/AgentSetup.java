package dev.agentauth.agent.testkit;

import dev.agentauth.agent.ConsentMode;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.InterruptStore;
import java.time.Duration;
import java.util.Objects;

/**
 * The agent a contract test asks its harness for ({@link AgentHarness#agent}): everything that varies between tests
 * and replicas. The harness builds its framework's agent from exactly this, with nothing of its own but what its
 * framework needs to run (the AI service, chat client, memory when {@link #conversations()} is {@code null}).
 * Immutable and thread-safe.
 *
 * @param broker          the token broker; the agent must use it, not one of its own
 * @param interruptStore  where interrupts live (the broker's own, or the replicas' shared one)
 * @param tools           the tool bodies; the harness declares {@link ContractTools}' two tools over them
 * @param model           the model: the harness wraps it in its framework's model type
 * @param consentMode     what a tool call without a consent does
 * @param blockingTimeout how long a {@link ConsentMode#BLOCKING} call waits for the user
 * @param consentListener told of each consent a {@link ConsentMode#BLOCKING} call waits for
 * @param streaming       whether the agent streams: its turns and continued turns are streamed, and the harness
 *                        returns their chunks in {@link Reply#chunks()}
 * @param conversations   the chat memory several agents share (replicas), or {@code null}: memory of the agent's
 *                        own, kept in its process
 * @since 0.3.0
 */
public record AgentSetup(TokenBroker broker, InterruptStore interruptStore, ContractTools tools, ModelScript model,
                         ConsentMode consentMode, Duration blockingTimeout, ConsentListener consentListener,
                         boolean streaming, ConversationStore conversations) {

    public AgentSetup {
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(interruptStore, "interruptStore");
        Objects.requireNonNull(tools, "tools");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(consentMode, "consentMode");
        Objects.requireNonNull(blockingTimeout, "blockingTimeout");
        Objects.requireNonNull(consentListener, "consentListener");
    }
}
