/**
 * The LangChain4j adapter of the agent core: {@link dev.agentauth.agent.AuthenticatedTool} methods among LangChain4j
 * tools get a token injected ({@link dev.agentauth.agent.InjectToken} or {@link dev.agentauth.langchain4j.ToolCredential})
 * and never show it to the model; {@link dev.agentauth.langchain4j.AuthenticatedAgent} builds the AI service and turns
 * a missing consent into a {@link dev.agentauth.agent.ConsentInterrupt} that a chat UI shows and resumes through the
 * same AI service. Thread-safe; tool calls block on the broker and the tool.
 */
package dev.agentauth.langchain4j;
