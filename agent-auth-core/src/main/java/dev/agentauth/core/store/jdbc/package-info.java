/**
 * Durable token stores: the encrypted embedded store (H2 file, Tink keyset beside it) and PostgreSQL for many
 * replicas, built through {@link dev.agentauth.core.store.jdbc.TokenStores}. Secrets are AES-GCM ciphertexts bound to
 * their row and column; the schema is versioned and migrated on open. Thread-safe; every call blocks on the database.
 */
package dev.agentauth.core.store.jdbc;
