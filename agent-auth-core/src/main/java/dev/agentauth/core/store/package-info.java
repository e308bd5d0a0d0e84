/**
 * The token store SPI: where grants, pending consents and consent outcomes live.
 * {@link dev.agentauth.core.store.TokenStore} states the contract (atomic replace, single-use consents, a grant lock
 * shared by replicas); {@link dev.agentauth.core.store.TokenStore#inMemory()} is the in-process store. Every store passes
 * the same contract tests. Values holding secrets print redacted.
 */
package dev.agentauth.core.store;
