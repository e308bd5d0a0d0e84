package dev.agentauth.agent;

/** What an {@link AuthenticatedTool} call does when the user has not authorized yet. */
public enum ConsentMode {
    /**
     * The agent call ends with a {@link ConsentInterruptException}; the UI shows a card, and the agent's
     * {@code resume} runs the waiting tool calls and returns the model's continued answer. Default.
     */
    INTERRUPT,
    /**
     * The tool call tells the agent's consent listener and waits for the user, up to the configured timeout, then runs
     * (or reports the refusal to the model).
     */
    BLOCKING,
    /** The tool result asks the model to tell the user to authorize at the URL, then to try again. */
    TELL_MODEL
}
