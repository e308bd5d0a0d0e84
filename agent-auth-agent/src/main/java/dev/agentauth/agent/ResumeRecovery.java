package dev.agentauth.agent;

/**
 * What a resume that takes over from a replica that died mid-resume does with the one tool call that replica had
 * started and not finished. Calls it finished are never run again (their results were recorded); calls it never
 * started run normally. Only the call in flight at the moment of death is in question: whether it took effect is
 * unknown.
 *
 * @since 0.3.0
 */
public enum ResumeRecovery {

    /**
     * The call in flight is not run again; the model is told its outcome is unknown, so it can tell the user. A tool
     * call runs at most once, whatever fails — the choice for calls that move money, send mail or delete things.
     * The default.
     */
    AT_MOST_ONCE,

    /**
     * The call in flight is run again by the replica that takes over. A tool call runs at least once — the choice
     * when every tool is idempotent (reads, or writes keyed by an idempotency key) and an answer matters more.
     */
    AT_LEAST_ONCE
}
