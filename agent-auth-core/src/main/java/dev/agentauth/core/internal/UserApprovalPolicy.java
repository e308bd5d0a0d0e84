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
 * On behalf of a user, for one action the user approves on their own device ({@link Flow#USER_APPROVAL}): OpenID CIBA
 * with RFC 9396 authorization details, through the {@link BackchannelChannel}. Every request is a new approval, never
 * served from a grant: its key is new each time ({@code approval-} and a random value in the key's scope part), so the
 * token the user approved is stored only under a key no other request can name — kept there so that a replica waiting
 * for the approval reads it from a shared store — and never under the user's grant for other calls. A token the API
 * refuses is not renewed: the next action asks again.
 */
final class UserApprovalPolicy implements GrantPolicy {

    private final Consents consents;
    private final ConsentChannels channels;
    private final ConsentSecrets secrets;

    UserApprovalPolicy(Consents consents, ConsentChannels channels, ConsentSecrets secrets) {
        this.consents = consents;
        this.channels = channels;
        this.secrets = secrets;
    }

    @Override
    public Set<Flow> flows() {
        return Set.of(Flow.USER_APPROVAL);
    }

    @Override
    public void check(TokenRequest request, Provider provider) {
        GrantPolicy.requireKind(provider, Provider.Kind.OAUTH2, request.flow());
        if (!provider.backchannelAuthentication()) {
            throw new ConfigurationException("provider '" + provider.id() + "' takes no approvals of single actions:"
                    + " build it with backchannelAuthentication(true) (OpenID CIBA)", provider.id(), null);
        }
    }

    /** A key of this request alone: an approved token is never found by another request. */
    @Override
    public GrantKey key(TokenRequest request, Provider provider) {
        return new GrantKey(request.provider(), request.flow(), request.principal().user(),
                GrantPolicy.agentOf(request), "approval-" + secrets.next(12));
    }

    @Override
    public TokenResult obtain(TokenRequest request, ProviderClient client, GrantKey key) {
        return consents.start(channels.of(request, client.provider()), request, client, key,
                request.scopes().union(client.provider().defaultScopes()), true);
    }

    /** The API refused the approved token: a new approval, for the user to decide again. */
    @Override
    public TokenResult rejected(TokenRequest request, ProviderClient client, GrantKey key, AccessToken rejected) {
        return obtain(request, client, key);
    }
}
