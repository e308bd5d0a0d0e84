/**
 * The LangChain4j adapter's implementation; not API. {@code LangChain4jAgent} builds the agent core over
 * {@code LangChain4jTools} (the {@code @Tool} methods), {@code LangChain4jToolProvider} (a dynamic tool provider whose
 * executors hand calls to the core as {@code LangChain4jTurn}s) and {@code LangChain4jFramework} (chat memory and the
 * continuation of a resumed turn through the AI service: {@code Services}, {@code ResumeMarkers}); a streamed turn's
 * interrupt reaches {@code onError} through {@code StreamingInterrupts} and {@code InterruptibleTokenStream}.
 */
package dev.agentauth.langchain4j.internal;
