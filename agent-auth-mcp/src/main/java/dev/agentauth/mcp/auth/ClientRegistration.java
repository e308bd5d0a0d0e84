package dev.agentauth.mcp.auth;

import dev.agentauth.core.ClientAuthMethod;
import dev.agentauth.core.Secret;
import dev.agentauth.core.SigningKey;
import java.util.Objects;
import java.util.Optional;

/**
 * This client's registration at one authorization server (MCP 2025-11-25, "Client Registration Approaches"). Client
 * identifiers are unique to the server that issued them (RFC 6749 §2.2), so registrations are kept per authorization
 * server. Immutable; {@code toString()} never shows the secret.
 *
 * @param authorizationServer the issuer identifier of the authorization server, or {@code *} for a pre-registered
 *                            client used with every authorization server
 * @param clientId            the client identifier (a URL for a client ID metadata document)
 * @param clientSecret        the secret of a confidential client, or {@code null}
 * @param authMethod          how the client authenticates at the token endpoint
 * @param source              how the registration came about
 * @param clientKey           the key signing {@code private_key_jwt} assertions (RFC 7523 §2.2), or {@code null}
 */
public record ClientRegistration(String authorizationServer, String clientId, Secret clientSecret,
                                 ClientAuthMethod authMethod, Source source, SigningKey clientKey) {

    /** How a registration came about, in the order the specification prefers them. */
    public enum Source {
        /** Configured in advance (client id and, if any, secret). */
        PRE_REGISTERED,
        /** An HTTPS URL of a client ID metadata document used as client id. */
        CLIENT_ID_METADATA_DOCUMENT,
        /** RFC 7591 dynamic client registration. */
        DYNAMIC
    }

    public ClientRegistration {
        Objects.requireNonNull(authorizationServer, "authorizationServer");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(authMethod, "authMethod");
        Objects.requireNonNull(source, "source");
        if (authMethod == ClientAuthMethod.PRIVATE_KEY_JWT) {
            if (clientKey == null) {
                throw new IllegalArgumentException("client authentication private_key_jwt needs a client key");
            }
        } else if (authMethod != ClientAuthMethod.NONE && clientSecret == null) {
            throw new IllegalArgumentException("client authentication " + authMethod.metadataName()
                    + " needs a client secret");
        }
        if (authMethod == ClientAuthMethod.NONE) {
            clientSecret = null; // a public client never sends a secret, even if the server issued one
        }
    }

    /** A registration without a client key (secret or public client). */
    public ClientRegistration(String authorizationServer, String clientId, Secret clientSecret,
                              ClientAuthMethod authMethod, Source source) {
        this(authorizationServer, clientId, clientSecret, authMethod, source, null);
    }

    /** A pre-registered public client (PKCE, no secret) for every authorization server. */
    public static ClientRegistration preRegistered(String clientId) {
        return new ClientRegistration("*", clientId, null, ClientAuthMethod.NONE, Source.PRE_REGISTERED);
    }

    /**
     * A pre-registered client authenticating with {@code private_key_jwt} (RFC 7523 §2.2): each token request carries
     * an assertion signed with {@code key}, whose public half is registered with the authorization server.
     */
    public static ClientRegistration preRegistered(String clientId, SigningKey key) {
        return new ClientRegistration("*", clientId, null, ClientAuthMethod.PRIVATE_KEY_JWT, Source.PRE_REGISTERED,
                java.util.Objects.requireNonNull(key, "key"));
    }

    /**
     * A pre-registered confidential client for every authorization server; the token endpoint authentication method
     * is chosen from what the server supports.
     */
    public static ClientRegistration preRegistered(String clientId, Secret secret) {
        return new ClientRegistration("*", clientId, secret, ClientAuthMethod.CLIENT_SECRET_BASIC,
                Source.PRE_REGISTERED);
    }

    /** The same registration bound to one authorization server. */
    public ClientRegistration forAuthorizationServer(String issuer) {
        return new ClientRegistration(issuer, clientId, clientSecret, authMethod, source, clientKey);
    }

    public Optional<Secret> secret() {
        return Optional.ofNullable(clientSecret);
    }

    @Override
    public String toString() {
        return "ClientRegistration[authorizationServer=" + authorizationServer + ", clientId=" + clientId
                + (clientSecret != null ? ", clientSecret=redacted" : "") + (clientKey != null ? ", clientKey=redacted" : "")
                + ", authMethod=" + authMethod.metadataName()
                + ", source=" + source + "]";
    }
}
