/**
 * The resource-server side: verifying bearer tokens an agent presents
 * ({@link dev.agentauth.core.verify.TokenVerifier}), the servlet and plain filters that challenge per RFC 6750, and
 * RFC 9728 protected resource metadata. Thread-safe; verification blocks only to fetch metadata or keys it lacks.
 */
package dev.agentauth.core.verify;
