package dev.agentauth.core;

import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * A private key the agent signs JWTs with: {@code private_key_jwt} client assertions (RFC 7523 §2.2) and service-account
 * assertions. The JWS algorithm follows from the key: RSA keys sign with {@code RS256}, EC keys with {@code ES256},
 * {@code ES384} or {@code ES512} by curve size.
 *
 * <p>{@link #toString()} never shows the key. Immutable and thread-safe.
 */
public final class SigningKey {

    private final PrivateKey privateKey;
    private final String keyId;
    private final String algorithm;

    private SigningKey(PrivateKey privateKey, String keyId, String algorithm) {
        this.privateKey = privateKey;
        this.keyId = keyId;
        this.algorithm = algorithm;
    }

    /**
     * A signing key.
     *
     * @param privateKey an RSA (2048 bits or more) or EC (P-256, P-384, P-521) private key
     * @param keyId      the {@code kid} the verifier knows the public key by, or {@code null}
     */
    public static SigningKey of(PrivateKey privateKey, String keyId) {
        Objects.requireNonNull(privateKey, "privateKey");
        return new SigningKey(privateKey, keyId, algorithmFor(privateKey));
    }

    /**
     * A signing key from a PEM-encoded, unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}), as found in
     * Google service-account key files and produced by {@code openssl pkcs8 -topk8 -nocrypt}.
     *
     * @throws IllegalArgumentException the text is not such a key; the message never quotes it
     */
    public static SigningKey fromPem(String pem, String keyId) {
        Objects.requireNonNull(pem, "pem");
        String text = pem.strip();
        if (!text.startsWith("-----BEGIN PRIVATE KEY-----") || !text.contains("-----END PRIVATE KEY-----")) {
            throw new IllegalArgumentException("not a PEM PKCS#8 private key: expected '-----BEGIN PRIVATE KEY-----'"
                    + (text.startsWith("-----BEGIN RSA PRIVATE KEY-----") || text.startsWith("-----BEGIN EC PRIVATE KEY-----")
                    ? " (this is a PKCS#1/SEC1 key; convert it with 'openssl pkcs8 -topk8 -nocrypt')" : ""));
        }
        String body = text.substring("-----BEGIN PRIVATE KEY-----".length(), text.indexOf("-----END PRIVATE KEY-----"))
                .replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PEM private key is not valid base64");
        }
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return of(KeyFactory.getInstance(type).generatePrivate(new PKCS8EncodedKeySpec(der)), keyId);
            } catch (InvalidKeySpecException | IllegalArgumentException e) {
                // try the next key type
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(type + " key factories are required of every JVM", e);
            }
        }
        throw new IllegalArgumentException("the PEM private key is neither an RSA nor an EC PKCS#8 key");
    }

    /** The private key. Never log it. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The {@code kid} put in JWS headers, if any. */
    public Optional<String> keyId() {
        return Optional.ofNullable(keyId);
    }

    /** The JWS algorithm name (RFC 7518 §3.1), e.g. {@code RS256}. */
    public String algorithm() {
        return algorithm;
    }

    private static String algorithmFor(PrivateKey key) {
        if (key instanceof RSAPrivateKey rsa) {
            if (rsa.getModulus().bitLength() < 2048) {
                // RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used".
                throw new IllegalArgumentException("RSA signing keys must have at least 2048 bits (RFC 7518 §3.3)");
            }
            return "RS256";
        }
        if (key instanceof ECPrivateKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return switch (bits) {
                case 256 -> "ES256";
                case 384 -> "ES384";
                case 521 -> "ES512";
                default -> throw new IllegalArgumentException("EC signing keys must be on P-256, P-384 or P-521");
            };
        }
        throw new IllegalArgumentException("signing keys must be RSA or EC, not " + key.getAlgorithm());
    }

    @Override
    public String toString() {
        return "SigningKey[alg=" + algorithm + ", kid=" + keyId + ", key=redacted]";
    }
}
