package dev.agentauth.agent.spi;

/**
 * What the agent core keeps of one framework call while it runs — which of its tool calls ran, with their results,
 * and how many are still running — held by the adapter in the framework's own per-call state rather than by the core
 * under the turn's id. An adapter whose framework gives each call such state (LangChain4j: the invocation context's
 * managed parameters; Spring AI: the request's tool context) gets one from {@link AgentCore#newTurnScope()} when the
 * framework call starts and returns it from {@link Turn#scope()} for each of that call's tool calls. The core then
 * keeps nothing of the turn by id, and the turn's end needs no {@link AgentCore#turnEnded} report: the scope goes
 * when the framework call's state goes (an interrupt the turn raised keeps its own reference until it is stored).
 *
 * <p>Opaque: only a scope made by {@link AgentCore#newTurnScope()} counts; any other implementation is ignored (the
 * turn is then kept by id). One scope belongs to exactly one framework call: never share it between calls.
 * Thread-safe: the call's tool calls may run concurrently.
 *
 * @since 0.3.0
 */
public interface TurnScope {
}
