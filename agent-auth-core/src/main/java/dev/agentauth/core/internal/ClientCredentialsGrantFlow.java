package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;

/** Client credentials grant (RFC 6749 §4.4): the agent as itself. Stateless and thread-safe; blocks on HTTP. */
public final class ClientCredentialsGrantFlow {

    public IssuedTokens obtain(ProviderClient client, Scopes scopes, Principal principal) {
        if (client.provider().clientAuthMethod() == dev.agentauth.core.ClientAuthMethod.NONE) {
            throw new ConfigurationException("provider '" + client.id() + "': client credentials need a confidential"
                    + " client (a client secret); the provider is configured as a public client", client.id(), null);
        }
        return client.requestToken(new ClientCredentialsGrant(), scopes, principal);
    }

    static boolean supports(Provider provider) {
        return provider.kind() == Provider.Kind.OAUTH2;
    }
}
