/**
 * The agent runtime; not API. {@code AgentRuntime} is a facade over {@code ToolRegistry} (which tools exist),
 * {@code ToolCalls} (the executors: principal, credential, 401/403 through the shared reauthorization policy, consent
 * modes), {@code TurnJournals}, {@code InterruptRegistry} (open interrupts and chat-memory repair; its Javadoc sketches
 * where an interrupt's state lives) and {@code Resumer}.
 */
package dev.agentauth.tools.internal;
