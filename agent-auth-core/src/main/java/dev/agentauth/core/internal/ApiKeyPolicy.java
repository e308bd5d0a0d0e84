package dev.agentauth.core.internal;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.Flow;
import dev.agentauth.core.MissingCredentialException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Static API keys: the most specific stored key wins (the user's own for this agent, the user's, the agent's, the
 * shared one), then the key in the provider's configuration. Nothing expires and nothing renews; a rejected key can
 * only be replaced by the user or the operator.
 */
final class ApiKeyPolicy implements GrantPolicy {

    /** The token type stored with API keys; tools present them as their API expects. */
    static final String TOKEN_TYPE = "ApiKey";

    private final GrantKeeper grants;

    ApiKeyPolicy(GrantKeeper grants) {
        this.grants = grants;
    }

    @Override
    public Set<Flow> flows() {
        return Set.of(Flow.API_KEY);
    }

    @Override
    public void check(TokenRequest request, Provider provider) {
        GrantPolicy.requireKind(provider, Provider.Kind.API_KEY, request.flow());
    }

    @Override
    public GrantKey key(TokenRequest request, Provider provider) {
        return new GrantKey(request.provider(), Flow.API_KEY, request.principal().user(),
                GrantPolicy.agentOf(request), "");
    }

    @Override
    public TokenResult obtain(TokenRequest request, ProviderClient client, GrantKey key) {
        Principal p = request.principal();
        List<GrantKey> candidates = new ArrayList<>();
        candidates.add(key);
        if (p.hasUser() && request.agentScoped()) {
            candidates.add(new GrantKey(key.provider(), Flow.API_KEY, p.user(), GrantKey.SHARED, ""));
        }
        candidates.add(new GrantKey(key.provider(), Flow.API_KEY, null, p.agent(), ""));
        candidates.add(new GrantKey(key.provider(), Flow.API_KEY, null, GrantKey.SHARED, ""));
        for (GrantKey candidate : candidates) {
            Optional<StoredGrant> stored = grants.find(candidate);
            if (stored.isPresent()) {
                return grants.serveAs(key, stored.get());
            }
        }
        Optional<Secret> configured = client.provider().apiKey();
        if (configured.isPresent()) {
            return grants.serveAs(key, new StoredGrant(key, configured.get().reveal(), TOKEN_TYPE, null, Scopes.NONE,
                    null, grants.clock().instant()));
        }
        throw new MissingCredentialException("provider '" + client.id() + "' has no API key for " + p
                + "; store one with TokenBroker.storeApiKey or set api-key in the provider configuration",
                client.id(), p);
    }

    @Override
    public TokenResult rejected(TokenRequest request, ProviderClient client, GrantKey key, AccessToken rejected) {
        grants.cache().remove(key);
        throw new MissingCredentialException("provider '" + client.id() + "' rejected the API key of "
                + request.principal() + "; store a valid key with TokenBroker.storeApiKey", client.id(),
                request.principal());
    }

    /** Stores {@code key} for the principal: the user's own, or the agent's when the principal has no user. */
    void store(ProviderId provider, Principal principal, boolean agentScoped, Secret key) {
        GrantKey grantKey = new GrantKey(provider, Flow.API_KEY, principal.user(),
                agentScoped ? principal.agent() : GrantKey.SHARED, "");
        grants.store().save(new StoredGrant(grantKey, key.reveal(), TOKEN_TYPE, null, Scopes.NONE, null,
                grants.clock().instant()));
        // Cached keys of this provider may have come from a less specific key: read them again.
        grants.cache().removeIf(k -> k.provider().equals(provider) && flows().contains(k.flow()));
        grants.audit().record(AuditEvent.Type.TOKEN_ISSUED, provider, principal, Scopes.NONE, null,
                "api key stored");
    }
}
