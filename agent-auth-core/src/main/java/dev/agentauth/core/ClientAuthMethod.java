package dev.agentauth.core;

/** How the client authenticates at the token endpoint (RFC 6749 §2.3, OAuth metadata names). */
public enum ClientAuthMethod {
    /** HTTP Basic with the URL-encoded client id and secret (RFC 6749 §2.3.1). */
    CLIENT_SECRET_BASIC("client_secret_basic"),
    /** Client id and secret in the form body (RFC 6749 §2.3.1). */
    CLIENT_SECRET_POST("client_secret_post"),
    /** A public client: the client id only, protected by PKCE (RFC 7636). */
    NONE("none"),
    /**
     * A JWT signed with the client's private key (RFC 7523 §2.2, OpenID Connect Core §9), set with
     * {@link ProviderBuilder#clientKey(SigningKey)}. No shared secret leaves the agent.
     */
    PRIVATE_KEY_JWT("private_key_jwt");

    private final String metadataName;

    ClientAuthMethod(String metadataName) {
        this.metadataName = metadataName;
    }

    /** The name used in OAuth metadata and in YAML, e.g. {@code client_secret_basic}. */
    public String metadataName() {
        return metadataName;
    }

    /** The method with that metadata name. */
    public static ClientAuthMethod fromMetadataName(String name) {
        for (ClientAuthMethod m : values()) {
            if (m.metadataName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown client authentication method '" + name
                + "'; expected client_secret_basic, client_secret_post, private_key_jwt or none");
    }
}
