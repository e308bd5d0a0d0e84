package dev.agentauth.core;

/**
 * Where the broker, the agent and the MCP layer report what they do — token requests, consents, interrupts — as
 * observations: {@link #NONE} by default, Micrometer's Observation API when the application gives a registry
 * ({@link TokenBrokerBuilder#observationRegistry}), so Micrometer stays an optional dependency. Applications configure
 * observations on the broker; agent-auth's other modules (the agent core and its framework adapters, MCP) report
 * through {@link TokenBroker#telemetry()}, so everything lands where the broker's observations do. Tags are
 * low-cardinality by construction: a provider id and values from fixed sets; never a user, a token, a scope or a URL.
 * Thread-safe.
 *
 * @since 0.3.0
 */
public interface Telemetry {

    /** An observation in progress: add tags, then stop it once (also on failure). Not thread-safe. */
    interface Span {
        /** Adds a low-cardinality tag. */
        Span tag(String key, String value);

        /** Records the failure's type (never its message). */
        Span error(Throwable error);

        /** Ends the observation. */
        void stop();
    }

    /** Starts observation {@code name} ({@code agentauth.*}). */
    Span start(String name);

    /** Reports nothing. */
    Telemetry NONE = name -> new Span() {
        @Override
        public Span tag(String key, String value) {
            return this;
        }

        @Override
        public Span error(Throwable error) {
            return this;
        }

        @Override
        public void stop() {
        }
    };
}
