package dev.agentauth.core;

import java.util.Objects;

/**
 * Who a token is for: the end user (absent for machine-to-machine calls) and the agent acting.
 *
 * <p>A principal must always come from the caller's own context (the authenticated session, the chat memory id, the
 * invocation parameters), never from tool arguments or model output: the model can be talked into naming any user.
 * Immutable and thread-safe.
 *
 * @param user  the end user's stable id, or {@code null} when the agent acts as itself
 * @param agent the agent's id; never {@code null}
 */
public record Principal(String user, String agent) {

    /** The agent id used when an application does not name its agents. */
    public static final String DEFAULT_AGENT = "default";

    public Principal {
        Objects.requireNonNull(agent, "agent");
        if (agent.isBlank()) {
            throw new IllegalArgumentException("agent id must not be blank");
        }
        if (user != null && user.isBlank()) {
            throw new IllegalArgumentException("user id must not be blank; use Principal.agent(...) for agent-only calls");
        }
    }

    /** A user acting through the given agent. */
    public static Principal of(String user, String agent) {
        return new Principal(Objects.requireNonNull(user, "user"), agent);
    }

    /** A user acting through the {@linkplain #DEFAULT_AGENT default agent}. */
    public static Principal user(String user) {
        return of(user, DEFAULT_AGENT);
    }

    /** The agent acting as itself, with no end user (machine-to-machine). */
    public static Principal agent(String agent) {
        return new Principal(null, agent);
    }

    /** Whether this principal names an end user. */
    public boolean hasUser() {
        return user != null;
    }


    /** Written out rather than generated: on the broker's per-call path the generated form calls through {@code Objects}. */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Principal other && agent.equals(other.agent)
                && (user == null ? other.user == null : user.equals(other.user));
    }

    @Override
    public int hashCode() {
        return 31 * (user == null ? 0 : user.hashCode()) + agent.hashCode();
    }
    @Override
    public String toString() {
        return (user == null ? "agent " + agent : "user " + user + " via agent " + agent);
    }
}
