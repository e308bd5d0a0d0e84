package dev.agentauth.samples;

import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;

/** The demo's AI service. The user is passed in {@link InvocationParameters}, from the session, never the message. */
public interface DemoAssistant {

    @SystemMessage("You are the agent-auth demo assistant. Use the tools to read and write the user's notes and to"
            + " check the notes service. Answer briefly.")
    String chat(@MemoryId String conversation, @UserMessage String message, InvocationParameters parameters);

    /** {@link #chat}, streamed: the web chat shows the answer as it comes. */
    @SystemMessage("You are the agent-auth demo assistant. Use the tools to read and write the user's notes and to"
            + " check the notes service. Answer briefly.")
    dev.langchain4j.service.TokenStream stream(@MemoryId String conversation, @UserMessage String message,
                                               InvocationParameters parameters);
}
