/**
 * The Spring AI adapter of the agent core: {@link dev.agentauth.agent.AuthenticatedTool} methods among Spring AI
 * {@code @Tool} methods get the user's token injected ({@link dev.agentauth.agent.InjectToken}, or the
 * {@link dev.agentauth.agent.ToolCredential} in their {@code ToolContext}) and never show it to the model;
 * {@link dev.agentauth.springai.AuthenticatedChatClient} builds the {@code ChatClient} and turns a missing consent into
 * a {@link dev.agentauth.agent.ConsentInterrupt} — the same JSON and card as in LangChain4j — that a chat UI shows and
 * resumes through the same {@code ChatClient}, blocking or streaming. Thread-safe; tool calls block on the broker and
 * the tool.
 */
package dev.agentauth.springai;
