package dev.agentauth.store.jdbc;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import java.security.GeneralSecurityException;

/** A keyset handle for tests that pass one to {@link TokenEncryption#of}. */
final class TestKeysets {

    private TestKeysets() {
    }

    static KeysetHandle keyset() {
        try {
            return TinkJsonProtoKeysetFormat.parseKeyset(TokenEncryption.generateKeyset(),
                    InsecureSecretKeyAccess.get());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
