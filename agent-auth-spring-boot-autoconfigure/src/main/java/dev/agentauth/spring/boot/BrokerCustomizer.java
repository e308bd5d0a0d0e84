package dev.agentauth.spring.boot;

import dev.agentauth.core.TokenBrokerBuilder;

/**
 * Adjusts the auto-configured broker before it is built: providers in code, timeouts, an HTTP client. Beans of this
 * type are applied in order; called once, on the context's startup thread.
 */
@FunctionalInterface
public interface BrokerCustomizer {

    /** Changes {@code builder}. */
    void customize(TokenBrokerBuilder builder);
}
