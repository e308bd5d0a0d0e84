package dev.agentauth.agent.testkit;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRejectedException;
import java.util.List;
import java.util.Optional;

/**
 * One agent of the adapter's framework, as a harness built it ({@link AgentHarness#agent}), driven by the contract the
 * way a chat UI drives it: a user's message, a resume or a decline after a consent card, the cards to show again,
 * the conversation's memory. Each call is one call of the framework's own API — an AI-service method, a chat-client
 * call — with the user passed the framework's way (invocation parameters, tool context), never in the message.
 *
 * <p>What the framework's call throws leaves these methods as it is: a {@link ConsentInterruptException} (for a
 * streaming agent: the error its stream ended with, rethrown), a {@link ResumeRejectedException}, or the failure
 * an operator must fix. A framework's wrapping of those is taken off.
 *
 * <p>Thread-safe: the contract calls it from several threads at once, for different users and conversations. Every
 * method blocks until the framework's call is done — a streaming one until its stream ends.
 *
 * @since 0.3.0
 */
public interface AgentUnderTest extends AutoCloseable {

    /**
     * {@code user} says {@code message} in {@code conversation} (the chat-memory id): the turn runs through the
     * framework and its answer comes back.
     *
     * @throws ConsentInterruptException a tool needs a consent (interrupt mode)
     */
    Reply send(String user, String conversation, String message);

    /**
     * The adapter's resume: the waiting tool calls run, the turn continues through the framework (streamed, for a
     * streaming agent), and its answer comes back.
     *
     * @throws ResumeRejectedException    refused, with its reason
     * @throws ConsentInterruptException the continued turn needs another consent
     */
    Reply resume(String interruptId, String user);

    /**
     * The adapter's decline ("Not now" on the card): the pending consents are declined and the turn goes on.
     *
     * @throws ResumeRejectedException refused, with its reason
     */
    Reply decline(String interruptId, String user);

    /** {@code user}'s open interrupts, oldest first, as the adapter lists them. */
    List<ConsentInterrupt> pendingInterrupts(String user);

    /** The open interrupt with this id, as the adapter finds it. */
    Optional<ConsentInterrupt> interrupt(String interruptId);

    /** The conversation's chat memory, oldest first, in neutral form. */
    List<NeutralMessage> memory(String conversation);

    /** Releases what the agent holds (not the broker: the contract closes it). By default nothing. */
    @Override
    default void close() {
    }
}
