package dev.agentauth.faults.harness;

import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;

/** The AI service every replica builds on its agent. */
public interface Assistant {
    String chat(@MemoryId String conversation, @UserMessage String message, InvocationParameters parameters);
}
