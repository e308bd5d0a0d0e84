package dev.agentauth.core.internal;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import java.util.Set;

/**
 * How one kind of grant is obtained and kept: which key it is stored under, how a token is obtained or renewed when
 * the cache has none, and what a rejected token means for it. One implementation per flow family, each named after
 * its RFC; {@link GrantPolicies} picks one by {@link Flow}. The broker never branches on the flow itself.
 *
 * <p>Implementations are stateless apart from their collaborators and thread-safe. {@link #key} never blocks;
 * {@link #obtain} and {@link #rejected} block on the store and the provider.
 */
interface GrantPolicy {

    /** The flows this policy serves. */
    Set<Flow> flows();

    /** Refuses, with what to do instead, a provider that cannot serve {@code request}'s flow. */
    void check(TokenRequest request, Provider provider);

    /** The key the request's grant is stored and cached under. */
    GrantKey key(TokenRequest request, Provider provider);

    /**
     * Whether building the key costs an allocation worth saving (it joins scopes): the combiner then remembers keys
     * per request, so the cached path allocates no string.
     */
    default boolean memoizeKeys() {
        return false;
    }

    /** The cache had no usable token: find, obtain, renew, or ask for consent. */
    TokenResult obtain(TokenRequest request, ProviderClient client, GrantKey key);

    /** An API refused {@code rejected} (HTTP 401): replace it, or say what the user must do. */
    TokenResult rejected(TokenRequest request, ProviderClient client, GrantKey key, AccessToken rejected);

    /**
     * Refuses a provider of another kind than {@code kind}, naming the flows that provider does serve. A switch on the
     * provider's kind, not on the flow: each policy says which kind it needs.
     */
    static void requireKind(Provider provider, Provider.Kind kind, Flow flow) {
        if (provider.kind() == kind) {
            return;
        }
        String why = switch (provider.kind()) {
            case API_KEY -> "an API-key provider; request it with Flow.API_KEY";
            case SERVICE_ACCOUNT -> "a service-account provider; request it with Flow.JWT_BEARER, SELF_SIGNED_JWT or"
                    + " ID_TOKEN";
            case OAUTH2 -> kind == Provider.Kind.API_KEY
                    ? "an OAuth provider; flow " + flow + " needs an API-key provider"
                    : "not a service-account provider; flow " + flow + " needs Provider.serviceAccount";
        };
        throw new ConfigurationException("provider '" + provider.id() + "' is " + why, provider.id(), null);
    }

    /** The agent a grant is kept for: the request's own agent, or every agent of the user. */
    static String agentOf(TokenRequest request) {
        return request.agentScoped() ? request.principal().agent() : GrantKey.SHARED;
    }
}
