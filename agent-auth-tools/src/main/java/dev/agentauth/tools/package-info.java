/**
 * LangChain4j integration: {@link dev.agentauth.tools.AuthenticatedTool} methods get a token injected
 * ({@link dev.agentauth.tools.InjectToken} or {@link dev.agentauth.tools.ToolCredential}) and never show it to the
 * model; {@link dev.agentauth.tools.AuthenticatedAgent} builds the AI service and turns a missing consent into a
 * {@link dev.agentauth.tools.ConsentInterrupt} that a chat UI shows and resumes. Thread-safe; tool calls block on the
 * broker and the tool. Imports no MCP type.
 */
package dev.agentauth.tools;
