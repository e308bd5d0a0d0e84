/** The demo agent: a CLI and a web chat on an embedded identity provider, with notes and calendar APIs and MCP servers. */
package dev.agentauth.samples;
