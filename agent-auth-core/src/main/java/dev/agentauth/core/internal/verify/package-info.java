/** The bearer token verifier's implementation and RFC 6750 challenges; not API. */
package dev.agentauth.core.internal.verify;
