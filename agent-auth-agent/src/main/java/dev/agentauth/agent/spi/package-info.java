/**
 * For framework adapters: {@link dev.agentauth.agent.spi.AgentCore} runs tool calls with the user's credential and
 * owns consent interrupts; an adapter gives it {@link dev.agentauth.agent.spi.ToolBinding}s (its framework's tools),
 * a {@link dev.agentauth.agent.spi.Turn} per tool call, and a {@link dev.agentauth.agent.spi.FrameworkAdapter} that
 * writes results into the framework's chat memory and continues an interrupted turn through the framework's own call.
 * Applications use an adapter, not this package.
 */
package dev.agentauth.agent.spi;
