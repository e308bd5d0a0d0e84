package dev.agentauth.core.store.jdbc;

import dev.agentauth.core.AgentAuthException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * The store's sealed columns: secrets encrypted with the store's keyset, each bound to its row and column by
 * associated data, and the {@link RowSeal}s of its tables. Immutable and thread-safe.
 */
final class Secrets {

    private final TokenEncryption encryption;
    private final String description;

    Secrets(TokenEncryption encryption, String description) {
        this.encryption = encryption;
        this.description = description;
    }

    RowSeal rowSeal(String table) {
        return new RowSeal(encryption, table);
    }

    byte[] seal(String secret, byte[] associatedData) {
        try {
            return encryption.encrypt(secret.getBytes(StandardCharsets.UTF_8), associatedData);
        } catch (GeneralSecurityException e) {
            throw new AgentAuthException(description + ": encryption failed (" + e.getClass().getSimpleName() + ")",
                    null, null, null, false, null);
        }
    }

    /**
     * The secret, or {@code null} when it does not decrypt: the keyset lacks the key that wrote it, or the ciphertext
     * was altered or copied from another row. Callers turn that into a {@link dev.agentauth.core.StoreIntegrityException}
     * for their row; Tink's exception says nothing useful and nothing of the ciphertext belongs in a log.
     */
    String open(byte[] ciphertext, byte[] associatedData) {
        if (ciphertext == null) {
            return null;
        }
        try {
            return new String(encryption.decrypt(ciphertext, associatedData), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return encryption.toString();
    }
}
