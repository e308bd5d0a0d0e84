/**
 * Providers and broker settings from YAML: {@link dev.agentauth.core.config.AgentAuthConfig} is the whole API; the
 * readers behind it are package-private. Loading does no network I/O and reports every problem of a file at once,
 * without quoting a configured value. The file format is in the README's configuration reference.
 */
package dev.agentauth.core.config;
