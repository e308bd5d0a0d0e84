/**
 * HTTP the way the broker sends it: {@link dev.agentauth.core.http.HttpTransport}, one client, the read timeout over
 * the whole answer, a bounded body, the one resend of a request a closing keep-alive connection dropped. For modules
 * and applications that call identity providers and servers beside the broker (the token verifier, MCP authorization).
 * Thread-safe; every call blocks on the network, bounded by the timeouts.
 */
package dev.agentauth.core.http;
