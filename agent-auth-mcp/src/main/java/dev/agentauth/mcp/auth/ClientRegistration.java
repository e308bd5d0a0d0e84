package dev.agentauth.mcp.auth;

import dev.agentauth.core.ClientAuthMethod;
import dev.agentauth.core.Secret;
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
 */
public record ClientRegistration(String authorizationServer, String clientId, Secret clientSecret,
                                 ClientAuthMethod authMethod, Source source) {

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
        if (authMethod != ClientAuthMethod.NONE && clientSecret == null) {
            throw new IllegalArgumentException("client authentication " + authMethod.metadataName()
                    + " needs a client secret");
        }
        if (authMethod == ClientAuthMethod.NONE) {
            clientSecret = null; // a public client never sends a secret, even if the server issued one
        }
    }

    /** A pre-registered public client (PKCE, no secret) for every authorization server. */
    public static ClientRegistration preRegistered(String clientId) {
        return new ClientRegistration("*", clientId, null, ClientAuthMethod.NONE, Source.PRE_REGISTERED);
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
        return new ClientRegistration(issuer, clientId, clientSecret, authMethod, source);
    }

    public Optional<Secret> secret() {
        return Optional.ofNullable(clientSecret);
    }

    @Override
    public String toString() {
        return "ClientRegistration[authorizationServer=" + authorizationServer + ", clientId=" + clientId
                + (clientSecret != null ? ", clientSecret=redacted" : "") + ", authMethod=" + authMethod.metadataName()
                + ", source=" + source + "]";
    }
}
