/**
 * The agent-auth Spring Boot starter: a dependency on it brings agent-auth-core, agent-auth-tools and the
 * auto-configuration ({@code dev.agentauth.spring.boot}); it has no code of its own.
 */
package dev.agentauth.spring.boot.starter;
