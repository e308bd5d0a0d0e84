/**
 * The framework-neutral agent API every adapter shares: {@link dev.agentauth.agent.AuthenticatedTool} and
 * {@link dev.agentauth.agent.InjectToken} mark tool methods and where their credential goes; a missing consent becomes
 * a {@link dev.agentauth.agent.ConsentInterrupt} (the same JSON and card in every framework) that the agent resumes
 * exactly once; {@link dev.agentauth.agent.ToolSource} brings tools from elsewhere (MCP servers). No agent framework's
 * types: LangChain4j ({@code agent-auth-langchain4j}) and Spring AI ({@code agent-auth-spring-ai}) adapt it.
 */
package dev.agentauth.agent;
