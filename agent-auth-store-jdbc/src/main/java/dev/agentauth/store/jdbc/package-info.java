/**
 * Durable token stores (module {@code agent-auth-store-jdbc}): the encrypted embedded store (H2 file, Tink keyset
 * beside it) and PostgreSQL for many replicas, built through {@link dev.agentauth.store.jdbc.TokenStores}; both keep
 * interrupts too. Secrets are AES-GCM ciphertexts bound to their row and column, and every row carries a seal over the
 * columns that say whose or what it is; {@link dev.agentauth.store.jdbc.TokenEncryption} and
 * {@link dev.agentauth.store.jdbc.RowSeal} are that crypto, public so that a store written for another database binds
 * its rows the same way. The schema is versioned and migrated on open. Thread-safe; every store call blocks on the
 * database, the crypto never blocks.
 */
package dev.agentauth.store.jdbc;
