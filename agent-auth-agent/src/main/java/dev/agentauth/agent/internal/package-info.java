/**
 * The agent core's implementation; not API. {@code AgentRuntime} wires {@code ToolRuns} (one tool call: principal,
 * credential, the one reauthorization loop, consent modes, whose failure it is), {@code TurnJournals},
 * {@code InterruptRegistry} (open interrupts; its Javadoc sketches where an interrupt's state lives),
 * {@code StoredInterrupts} (the store, outages, claims), {@code ResumeLease} and {@code Resumer}.
 */
package dev.agentauth.agent.internal;
