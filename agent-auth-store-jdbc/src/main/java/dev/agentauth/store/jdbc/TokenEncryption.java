package dev.agentauth.store.jdbc;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * How a durable token store encrypts secrets at rest: a Google Tink AEAD keyset (AES-256-GCM keys). Access tokens,
 * refresh tokens, API keys, PKCE verifiers and interrupts are encrypted; each ciphertext is bound to its row by
 * associated data (the row's id and the column), so a ciphertext copied into another user's row does not decrypt, and
 * each row carries a seal over the columns that say whose it is ({@link RowSeal}). A store of your own can use the same
 * keyset the same way: {@link #encrypt}, {@link #decrypt} and {@link RowSeal}.
 *
 * <p><b>Rotation.</b> A keyset holds several keys; new writes use its primary key, and rows written with any key still
 * in the keyset stay readable. {@link #rotate(String)} adds a new primary key and keeps the old ones. Remove an old key
 * only once every row written with it has been rewritten (a refresh rewrites a grant).
 *
 * <p>The keyset is a Tink JSON keyset, as {@link #generateKeyset()} makes it and as Tink's {@code tinkey} tool
 * writes it. Keep it out of the database and out of version control: an environment variable or a file readable
 * only by the agent's user. Immutable and thread-safe; {@link #toString()} names the source and key ids, never a key.
 */
public final class TokenEncryption {

    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Aead aead;
    private final int primaryKeyId;
    private final int keyCount;
    private final String source;

    private TokenEncryption(KeysetHandle keyset, String source) throws GeneralSecurityException {
        this.aead = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
        this.primaryKeyId = keyset.getPrimary().getId();
        this.keyCount = keyset.size();
        this.source = source;
    }

    /**
     * The keyset in environment variable {@code variable}: a Tink JSON keyset, or the same base64-encoded.
     *
     * @throws ConfigurationException the variable is unset or holds no valid keyset
     */
    public static TokenEncryption fromEnvironment(String variable) {
        return fromEnvironment(variable, System::getenv);
    }

    static TokenEncryption fromEnvironment(String variable, Function<String, String> environment) {
        Objects.requireNonNull(variable, "variable");
        String value = environment.apply(variable);
        if (value == null || value.isBlank()) {
            throw new ConfigurationException("environment variable " + variable + " holding the token store keyset is"
                    + " not set; create a keyset with TokenEncryption.generateKeyset() and put it there", null, null);
        }
        String json = value.trim();
        if (!json.startsWith("{")) {
            try {
                json = new String(Base64.getDecoder().decode(json), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("environment variable " + variable + " holds neither a Tink JSON"
                        + " keyset nor a base64-encoded one", null, null);
            }
        }
        return parse(json, "environment variable " + variable);
    }

    /**
     * The keyset in {@code file} (Tink JSON). The file should be readable only by the agent's user.
     *
     * @throws ConfigurationException the file is missing or holds no valid keyset
     */
    public static TokenEncryption fromKeysetFile(Path file) {
        Objects.requireNonNull(file, "file");
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read the token store keyset file " + file + " ("
                    + e.getClass().getSimpleName() + "); create one with TokenEncryption.generateKeyset()", null, null);
        }
        return parse(json, "keyset file " + file);
    }

    /** A Tink JSON keyset you read yourself, e.g. from a secrets manager. */
    public static TokenEncryption fromJson(Secret keysetJson) {
        Objects.requireNonNull(keysetJson, "keysetJson");
        return parse(keysetJson.reveal(), "a JSON keyset");
    }

    /** A keyset you loaded yourself, e.g. decrypted with a KMS key ({@code TinkJsonProtoKeysetFormat.parseEncryptedKeyset}). */
    public static TokenEncryption of(KeysetHandle keyset) {
        Objects.requireNonNull(keyset, "keyset");
        try {
            return new TokenEncryption(keyset, "keyset handle");
        } catch (GeneralSecurityException e) {
            throw new ConfigurationException("the keyset is not an AEAD keyset (" + e.getClass().getSimpleName()
                    + ")", null, null);
        }
    }

    /** A new keyset with one AES-256-GCM key, as Tink JSON. Store it as a secret. */
    public static String generateKeyset() {
        try {
            return TinkJsonProtoKeysetFormat.serializeKeyset(KeysetHandle.generateNew(
                    PredefinedAeadParameters.AES256_GCM), InsecureSecretKeyAccess.get());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Tink could not generate an AES-256-GCM key", e);
        }
    }

    /**
     * {@code keysetJson} with a new AES-256-GCM key added as primary; the old keys stay, so what they encrypted stays
     * readable. With several replicas, give every replica the rotated keyset before relying on rows the new key wrote:
     * a replica without the new key cannot read them.
     */
    public static String rotate(String keysetJson) {
        try {
            KeysetHandle old = TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get());
            KeysetHandle rotated = KeysetHandle.newBuilder(old)
                    .addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
                            .withRandomId().makePrimary())
                    .build();
            return TinkJsonProtoKeysetFormat.serializeKeyset(rotated, InsecureSecretKeyAccess.get());
        } catch (GeneralSecurityException e) {
            throw new ConfigurationException("cannot rotate: not a valid Tink JSON keyset", null, null);
        }
    }

    /** The id of the primary key, the one new writes use (the first 5 bytes of a ciphertext are 0x01 and this id). */
    public int primaryKeyId() {
        return primaryKeyId;
    }

    private static TokenEncryption parse(String json, String source) {
        try {
            return new TokenEncryption(TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get()),
                    source);
        } catch (GeneralSecurityException | RuntimeException e) {
            // Tink's message may quote the input: say only where it came from.
            throw new ConfigurationException("the token store keyset from " + source + " is not a valid Tink JSON"
                    + " AEAD keyset; create one with TokenEncryption.generateKeyset()", null, null);
        }
    }

    /**
     * {@code plaintext} encrypted with the primary key (AES-256-GCM, a fresh nonce each time), bound to
     * {@code associatedData}: it decrypts only with the same associated data. Bind a secret to where it belongs — the
     * table, the row id and the column — so a ciphertext copied elsewhere does not decrypt; {@link RowSeal} does exactly
     * that, in the format the JDBC stores use. The ciphertext starts with {@code 0x01} and the 4-byte id of the key that
     * wrote it.
     *
     * @throws AgentAuthException the keyset could not encrypt (not expected of an AEAD keyset)
     * @since 0.3.0
     */
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(associatedData, "associatedData");
        try {
            return aead.encrypt(plaintext, associatedData);
        } catch (GeneralSecurityException e) {
            throw new AgentAuthException("the token store keyset could not encrypt (" + e.getClass().getSimpleName()
                    + ")", null, null, null, false, null);
        }
    }

    /**
     * What {@link #encrypt} encrypted with this {@code associatedData}; empty when it does not decrypt: the ciphertext
     * was altered, belongs to other associated data (another row or column), or was written with a key this keyset no
     * longer holds. Tink's exception says nothing more useful, and nothing of a ciphertext belongs in a message.
     *
     * @since 0.3.0
     */
    public Optional<byte[]> decrypt(byte[] ciphertext, byte[] associatedData) {
        Objects.requireNonNull(ciphertext, "ciphertext");
        Objects.requireNonNull(associatedData, "associatedData");
        try {
            return Optional.of(aead.decrypt(ciphertext, associatedData));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "TokenEncryption[" + source + ", " + keyCount + " key(s), primary key id " + primaryKeyId + "]";
    }
}
