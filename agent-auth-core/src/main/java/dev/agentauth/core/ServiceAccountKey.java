package dev.agentauth.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * A Google-style service-account key: the JSON file a cloud console hands out ({@code "type": "service_account"},
 * {@code client_email}, {@code private_key_id}, {@code private_key}, {@code token_uri}). Use it with
 * {@link Provider#serviceAccount(String, ServiceAccountKey)} to obtain access tokens (JWT bearer grant, RFC 7523),
 * self-signed JWTs and ID tokens.
 *
 * <p>Loading checks everything at once and fails with a {@link ConfigurationException} that says what is wrong with the
 * file and never quotes its content. {@link #toString()} never shows the key. Immutable and thread-safe.
 */
public final class ServiceAccountKey {

    /** Google's token endpoint, used when a key file names no {@code token_uri}. */
    public static final URI GOOGLE_TOKEN_URI = URI.create("https://oauth2.googleapis.com/token");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String clientEmail;
    private final String clientId;
    private final String projectId;
    private final SigningKey signingKey;
    private final URI tokenUri;

    private ServiceAccountKey(String clientEmail, String clientId, String projectId, SigningKey signingKey,
                              URI tokenUri) {
        this.clientEmail = clientEmail;
        this.clientId = clientId;
        this.projectId = projectId;
        this.signingKey = signingKey;
        this.tokenUri = tokenUri;
    }

    /**
     * A key made in code, e.g. for an RFC 7523 server that is not Google.
     *
     * @param clientEmail the {@code iss} of assertions: the service account's identifier
     * @param signingKey  the private key, with its {@code kid}
     * @param tokenUri    the token endpoint, also the {@code aud} of assertions
     */
    public static ServiceAccountKey of(String clientEmail, SigningKey signingKey, URI tokenUri) {
        requireText(clientEmail, "clientEmail");
        Objects.requireNonNull(signingKey, "signingKey");
        Objects.requireNonNull(tokenUri, "tokenUri");
        return new ServiceAccountKey(clientEmail, null, null, signingKey, tokenUri);
    }

    /** Reads a key file. */
    public static ServiceAccountKey fromFile(Path file) {
        Objects.requireNonNull(file, "file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read service-account key file " + file + " ("
                    + e.getClass().getSimpleName() + "); check the path and its permissions");
        }
        return parse(text, "service-account key file " + file);
    }

    /** Parses the JSON content of a key file, e.g. from a secret manager or an environment variable. */
    public static ServiceAccountKey fromJson(String json) {
        Objects.requireNonNull(json, "json");
        return parse(json, "service-account key JSON");
    }

    /** Parses a base64-encoded key file (standard or URL-safe alphabet), as CI systems often store it. */
    public static ServiceAccountKey fromBase64(String base64) {
        Objects.requireNonNull(base64, "base64");
        String compact = base64.replaceAll("\\s", "");
        byte[] bytes;
        try {
            bytes = compact.contains("-") || compact.contains("_")
                    ? Base64.getUrlDecoder().decode(compact) : Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("the base64 service-account key is not valid base64; encode the key"
                    + " file with 'base64 -w0 key.json'");
        }
        return parse(new String(bytes, StandardCharsets.UTF_8), "base64 service-account key");
    }

    private static ServiceAccountKey parse(String text, String what) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            // Jackson's message can quote the input: report the position only.
            String where = e.getLocation() != null
                    ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : "";
            throw new ConfigurationException(what + " is not valid JSON" + where
                    + "; expected the JSON key file of a service account");
        }
        if (root == null || !root.isObject()) {
            throw new ConfigurationException(what + " is not a JSON object; expected the JSON key file of a service"
                    + " account");
        }
        String type = text(root, "type");
        if (!"service_account".equals(type)) {
            String hint = switch (type == null ? "" : type) {
                case "authorized_user" -> " (a user credential, e.g. from 'gcloud auth application-default login')";
                case "external_account" -> " (a workload identity federation configuration)";
                case "impersonated_service_account" -> " (an impersonation configuration)";
                default -> "";
            };
            throw new ConfigurationException(what + " has type " + (type == null ? "(none)" : "'" + type + "'") + hint
                    + ", expected 'service_account'; create a key for the service account (IAM > Service accounts >"
                    + " Keys > Add key > JSON)");
        }
        StringBuilder missing = new StringBuilder();
        for (String field : new String[] {"client_email", "private_key_id", "private_key"}) {
            if (text(root, field) == null) {
                missing.append(missing.isEmpty() ? "" : ", ").append(field);
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigurationException(what + " lacks " + missing + "; download the key file again");
        }
        URI tokenUri = GOOGLE_TOKEN_URI;
        String tokenUriText = text(root, "token_uri");
        if (tokenUriText != null) {
            try {
                tokenUri = URI.create(tokenUriText);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(what + ": token_uri is not a valid URI");
            }
            if (!tokenUri.isAbsolute() || !("https".equals(tokenUri.getScheme()) || "http".equals(tokenUri.getScheme()))) {
                throw new ConfigurationException(what + ": token_uri must be an absolute http(s) URL");
            }
        }
        SigningKey signingKey;
        try {
            signingKey = SigningKey.fromPem(text(root, "private_key"), text(root, "private_key_id"));
        } catch (IllegalArgumentException e) {
            // SigningKey's messages describe the format, never the key.
            throw new ConfigurationException(what + ": private_key is unusable: " + e.getMessage()
                    + "; download the key file again");
        }
        if (!"RS256".equals(signingKey.algorithm())) {
            throw new ConfigurationException(what + ": private_key must be an RSA key (service accounts sign with RS256)");
        }
        return new ServiceAccountKey(text(root, "client_email"), text(root, "client_id"), text(root, "project_id"),
                signingKey, tokenUri);
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    /** The service account's e-mail: the {@code iss} of its assertions. */
    public String clientEmail() {
        return clientEmail;
    }

    /** The numeric client id, when the key file has one. */
    public Optional<String> clientId() {
        return Optional.ofNullable(clientId);
    }

    /** The project, when the key file names one. */
    public Optional<String> projectId() {
        return Optional.ofNullable(projectId);
    }

    /** The id of the key ({@code private_key_id}), sent as the JWS {@code kid}. */
    public String privateKeyId() {
        return signingKey.keyId().orElse(null);
    }

    /** The private key and its algorithm. Never log the key. */
    public SigningKey signingKey() {
        return signingKey;
    }

    /** The token endpoint, and the {@code aud} of JWT bearer assertions. */
    public URI tokenUri() {
        return tokenUri;
    }

    @Override
    public String toString() {
        return "ServiceAccountKey[clientEmail=" + clientEmail + ", privateKeyId=" + privateKeyId() + ", tokenUri="
                + tokenUri + ", privateKey=redacted]";
    }
}
