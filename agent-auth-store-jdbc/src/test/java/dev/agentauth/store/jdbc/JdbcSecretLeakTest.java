package dev.agentauth.store.jdbc;

import dev.agentauth.core.Secret;
import dev.agentauth.core.SecretLeakTest;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.EmbeddedPg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SecretLeakTest}'s flows — M2M, API key, consent, replayed callback, rotation, provider failures, revoked
 * refresh token, disconnect — on the durable stores: no token, code, verifier or secret in any log line, message or
 * {@code toString()}, and no key material of the store's keyset either.
 */
class JdbcSecretLeakTest {

    @TempDir
    Path tmp;

    @Test
    void everyFlowOnTheEmbeddedStoreWhenEverythingLoggedAndPrintedThenNoSecretAppears() throws Exception {
        TokenStore store = TokenStores.embedded().directory(tmp.resolve("store")).build();
        String keyset = Files.readString(tmp.resolve("store").resolve("keyset.json"));
        SecretLeakTest.everyFlowLeaksNothing(store, List.of(aesKey(keyset)));
    }

    @Test
    void everyFlowOnPostgresWhenEverythingLoggedAndPrintedThenNoSecretAppears() throws Exception {
        EmbeddedPg.shared().database("leak");
        String keyset = TokenEncryption.generateKeyset();
        TokenStore store = TokenStores.postgres().jdbcUrl(EmbeddedPg.shared().jdbcUrl("leak"))
                .encryption(TokenEncryption.fromJson(Secret.of(keyset))).build();
        SecretLeakTest.everyFlowLeaksNothing(store, List.of(aesKey(keyset)));
    }

    /** The AES key inside a Tink JSON keyset of one key. */
    static String aesKey(String keysetJson) {
        return keysetJson.replaceAll("(?s).*\"value\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    }
}
