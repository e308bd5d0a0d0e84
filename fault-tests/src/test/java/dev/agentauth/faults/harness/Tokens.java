package dev.agentauth.faults.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * How tokens cross process boundaries in these tests: never as themselves. A token is named by its SHA-256
 * fingerprint (the first 16 hex digits) and, for a JWT, by its {@code sub} claim, so a test can tell whose token came
 * back without a credential ever reaching a pipe, a file or a log.
 */
public final class Tokens {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Tokens() {
    }

    /** The first 16 hex digits of the SHA-256 of {@code token}. */
    public static String fingerprint(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code sub} claim of a JWT, or {@code null} when {@code token} is not a JWT. */
    public static String subject(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return claims.hasNonNull("sub") ? claims.get("sub").asText() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
