/**
 * The Spring AI adapter's implementation: not API, may change in any release. {@link
 * dev.agentauth.springai.internal.SpringAiAgent} wires Spring AI's extension points (advisors, tool callbacks, the chat
 * memory advisor, the tool loop's exception processor) to the agent core; no other module uses this package.
 */
package dev.agentauth.springai.internal;
