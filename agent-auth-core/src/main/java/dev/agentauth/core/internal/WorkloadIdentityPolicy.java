package dev.agentauth.core.internal;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRequest;
import java.time.Instant;
import java.util.Set;

/**
 * Workload identity federation: the JWT bearer grant with the assertion the platform gives the workload, read from
 * the provider's assertion source for every token request (so a rotated file is picked up). The token is the
 * agent's own, one per scope set and agent key, obtained anew when stale.
 */
final class WorkloadIdentityPolicy extends ReissuingPolicy {

    WorkloadIdentityPolicy(GrantKeeper grants, GrantFlights flights) {
        super(grants, flights);
    }

    @Override
    public Set<Flow> flows() {
        return Set.of(Flow.WORKLOAD_IDENTITY);
    }

    @Override
    public void check(TokenRequest request, Provider provider) {
        GrantPolicy.requireKind(provider, Provider.Kind.OAUTH2, request.flow());
        if (provider.workloadIdentity().isEmpty()) {
            throw new ConfigurationException("provider '" + provider.id() + "': flow WORKLOAD_IDENTITY needs an"
                    + " assertion source (ProviderBuilder.workloadIdentity)", provider.id(), null);
        }
    }

    @Override
    String userOf(TokenRequest request) {
        return null;
    }

    @Override
    IssuedTokens request(TokenRequest request, ProviderClient client, Scopes scopes, Instant now) {
        String assertion = client.provider().workloadIdentity().orElseThrow().assertion(request.principal());
        return AssertionGrants.jwtBearer(client, assertion, scopes, request.principal(), "workload identity token");
    }
}
