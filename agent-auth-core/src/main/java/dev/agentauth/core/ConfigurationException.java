package dev.agentauth.core;

/**
 * The configuration is wrong: a bad YAML file, an unknown provider type, a missing secret, an unreachable issuer, an
 * unknown provider id. The message names the setting to fix.
 */
public class ConfigurationException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message, ProviderId provider, Throwable cause) {
        super(message, provider, null, null, false, cause);
    }

    public ConfigurationException(String message) {
        this(message, null, null);
    }
}
