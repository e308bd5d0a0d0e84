package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import dev.agentauth.core.ClientAuthMethod;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRequest;
import java.time.Instant;
import java.util.Set;

/**
 * Client credentials grant (RFC 6749 §4.4): the agent as itself, with the client's own authentication; one token per
 * scope set and agent key.
 */
final class ClientCredentialsPolicy extends ReissuingPolicy {

    ClientCredentialsPolicy(GrantKeeper grants, GrantFlights flights) {
        super(grants, flights);
    }

    @Override
    public Set<Flow> flows() {
        return Set.of(Flow.CLIENT_CREDENTIALS);
    }

    @Override
    public void check(TokenRequest request, Provider provider) {
        GrantPolicy.requireKind(provider, Provider.Kind.OAUTH2, request.flow());
    }

    @Override
    IssuedTokens request(TokenRequest request, ProviderClient client, Scopes scopes, Instant now) {
        // §4.4: only a confidential client may use this grant; a public client has nothing to authenticate with.
        if (client.provider().clientAuthMethod() == ClientAuthMethod.NONE) {
            throw new ConfigurationException("provider '" + client.id() + "': client credentials need a confidential"
                    + " client (a client secret); the provider is configured as a public client", client.id(), null);
        }
        return client.requestToken(new ClientCredentialsGrant(), scopes, request.principal());
    }
}
