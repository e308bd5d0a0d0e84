package dev.agentauth.core.internal;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRequest;
import java.time.Instant;
import java.util.Set;

/**
 * Enterprise-managed authorization: the user's ID token (from the provider's assertion source) exchanged at the
 * enterprise identity provider for an identity assertion JWT, redeemed at this provider by the JWT bearer grant. The
 * token is the user's, one per scope set; there is no consent screen and no refresh token, so a stale token is
 * obtained anew the same way.
 */
final class IdentityAssertionPolicy extends ReissuingPolicy {

    private final ProviderRegistry providers;

    IdentityAssertionPolicy(GrantKeeper grants, GrantFlights flights, ProviderRegistry providers) {
        super(grants, flights);
        this.providers = providers;
    }

    @Override
    public Set<Flow> flows() {
        return Set.of(Flow.IDENTITY_ASSERTION);
    }

    @Override
    public void check(TokenRequest request, Provider provider) {
        GrantPolicy.requireKind(provider, Provider.Kind.OAUTH2, request.flow());
        if (provider.identityProvider().isEmpty() || provider.identityAssertion().isEmpty()) {
            throw new ConfigurationException("provider '" + provider.id() + "': flow IDENTITY_ASSERTION needs the"
                    + " enterprise identity provider and the user's ID token (ProviderBuilder.identityAssertion)",
                    provider.id(), null);
        }
    }

    @Override
    IssuedTokens request(TokenRequest request, ProviderClient client, Scopes scopes, Instant now) {
        Provider p = client.provider();
        ProviderClient idp = providers.client(p.identityProvider().orElseThrow());
        String idToken = p.identityAssertion().orElseThrow().assertion(request.principal());
        String audience = p.identityAssertionAudience().orElseGet(() -> {
            java.net.URI issuer = client.endpoints().issuer();
            return issuer != null ? issuer.toString() : client.endpoints().token().toString();
        });
        String jag = AssertionGrants.identityAssertion(idp, idToken, audience, p.resource().orElse(null), scopes,
                request.principal());
        return AssertionGrants.jwtBearer(client, jag, scopes, request.principal(), "identity assertion");
    }
}
