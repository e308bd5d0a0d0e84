package dev.agentauth.core.internal;

import dev.agentauth.core.ConsentId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The random values of consents — {@code state}, PKCE verifiers, consent ids, claimant names — from the broker's
 * {@link SecureRandom} (injected, so tests can fix it), and the digest under which a state is stored. RFC 6749 §10.10
 * and RFC 9700 §4.7: state and verifier are unguessable (256 bits). Thread-safe; never blocks beyond the random source.
 */
final class ConsentSecrets {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final SecureRandom random;

    ConsentSecrets(SecureRandom random) {
        this.random = random;
    }

    /** {@code bytes} random bytes, base64url without padding. */
    String next(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return B64.encodeToString(b);
    }

    /** A new consent id (128 bits): shown to the UI, so it names the consent and guards nothing. */
    ConsentId consentId() {
        return new ConsentId(next(16));
    }

    /** SHA-256 of a state value, base64url: what the store keeps instead of the state. */
    static String digest(String state) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return B64.encodeToString(sha.digest(state.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
