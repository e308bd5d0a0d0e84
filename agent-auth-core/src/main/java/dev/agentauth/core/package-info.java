/**
 * The token broker: finds, obtains, refreshes and stores credentials for agents, on behalf of users or as themselves.
 *
 * <p>Start at {@link dev.agentauth.core.TokenBroker} (built by {@link dev.agentauth.core.TokenBrokerBuilder}) with
 * {@link dev.agentauth.core.Provider}s ({@link dev.agentauth.core.ProviderPresets} for common vendors). A
 * {@link dev.agentauth.core.TokenRequest} names provider, scopes, principal and {@link dev.agentauth.core.Flow}; the
 * answer is a {@link dev.agentauth.core.TokenResult}: a token, or the consent the user must give first.
 * {@link dev.agentauth.core.Reauthorization} is the one policy for an API's 401 and 403 answers.
 *
 * <p><b>Contracts.</b> Value types (ids, scopes, requests, results) are immutable. The broker is thread-safe; its cached
 * path takes no lock and does no I/O; everything else blocks on the store and the provider, bounded by the HTTP
 * timeouts. Every failure is an unchecked {@link dev.agentauth.core.AgentAuthException} carrying provider, principal and
 * OAuth error code; no message, {@code toString()} or log line holds a secret.
 *
 * <p>This module knows nothing of LangChain4j or MCP, and holds no database, encryption or servlet code: the durable
 * stores are {@code agent-auth-store-jdbc}, the resource-server side {@code agent-auth-verify}. Other modules reach the
 * broker's HTTP through {@link dev.agentauth.core.http.HttpTransport}, never through its internal package.
 */
package dev.agentauth.core;
