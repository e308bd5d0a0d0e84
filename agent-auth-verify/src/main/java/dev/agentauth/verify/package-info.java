/**
 * The resource-server side (module {@code agent-auth-verify}): verifying bearer and DPoP tokens an agent presents
 * ({@link dev.agentauth.verify.TokenVerifier}), the servlet and plain filters that challenge per RFC 6750, and RFC 9728
 * protected resource metadata. It needs nothing of the broker but core's value types and its
 * {@link dev.agentauth.core.http.HttpTransport}, over which metadata and keys are fetched. Thread-safe; verification
 * blocks only to fetch metadata or keys it lacks.
 */
package dev.agentauth.verify;
