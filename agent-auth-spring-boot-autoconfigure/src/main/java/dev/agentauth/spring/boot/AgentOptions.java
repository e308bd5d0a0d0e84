package dev.agentauth.spring.boot;

import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRecovery;
import dev.agentauth.core.ConfigurationException;
import java.util.Locale;

/**
 * {@code agent-auth.agent.*} values as the agent core takes them, for every framework's auto-configuration (LangChain4j,
 * Spring AI). Loaded only by those, which run only with the agent core on the class path. Stateless.
 */
final class AgentOptions {

    private AgentOptions() {
    }

    /** {@code agent-auth.agent.consent-mode}: interrupt, blocking or tell-model, in any case. */
    static ConsentMode consentMode(String value) {
        try {
            return ConsentMode.valueOf(value.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("agent-auth.agent.consent-mode: '" + value
                    + "' is not a consent mode; use interrupt, blocking or tell-model", null, null);
        }
    }

    /** {@code agent-auth.agent.resume-recovery}: at-most-once or at-least-once, in any case. */
    static ResumeRecovery resumeRecovery(String value) {
        try {
            return ResumeRecovery.valueOf(value.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("agent-auth.agent.resume-recovery: '" + value
                    + "' is not a recovery; use at-most-once or at-least-once", null, null);
        }
    }
}
