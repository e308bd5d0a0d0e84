package dev.agentauth.core.internal;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRefusedException;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import java.time.Instant;
import java.util.Set;

/**
 * Token exchange (RFC 8693) on behalf of a user: the user's token from the subject provider, traded at this provider
 * for a token for an audience. Kept like the agent's own tokens, one per user, scopes, audience and subject provider;
 * it goes when the user disconnects the subject provider.
 *
 * <p>The subject token is obtained <em>before</em> the exchanged grant's lock is taken, and renewed outside it too:
 * grant locks are never nested, so replicas cannot deadlock on them and each grant keeps its own single flight.
 */
final class TokenExchangePolicy extends ReissuingPolicy {

    private final TokenExchangeGrantFlow exchange = new TokenExchangeGrantFlow();
    private final TokenBroker subjects;

    /** @param subjects where subject tokens come from: the broker itself */
    TokenExchangePolicy(GrantKeeper grants, GrantFlights flights, TokenBroker subjects) {
        super(grants, flights);
        this.subjects = subjects;
    }

    @Override
    public Set<Flow> flows() {
        return Set.of(Flow.TOKEN_EXCHANGE);
    }

    @Override
    public void check(TokenRequest request, Provider provider) {
        GrantPolicy.requireKind(provider, Provider.Kind.OAUTH2, request.flow());
    }

    @Override
    IssuedTokens request(TokenRequest request, ProviderClient client, Scopes scopes, Instant now) {
        throw new IllegalStateException("token exchange needs a subject token; obtain() passes it");
    }

    @Override
    public TokenResult obtain(TokenRequest request, ProviderClient client, GrantKey key) {
        TokenRequest subjectRequest = subjectRequest(request);
        TokenResult subject = subjects.token(subjectRequest);
        if (!(subject instanceof TokenResult.Granted granted)) {
            return subject; // the user must connect the subject provider first; retry after consent
        }
        try {
            return exchanged(request, client, key, granted.token());
        } catch (TokenRefusedException e) {
            if (!"invalid_grant".equals(e.oauthError())) {
                throw e;
            }
            // RFC 8693 §2.2.2: invalid_grant = the subject token is invalid or expired. Renew it once, retry once.
            TokenResult renewed = subjects.reportRejected(subjectRequest, granted.token());
            if (!(renewed instanceof TokenResult.Granted again)) {
                return renewed;
            }
            return exchanged(request, client, key, again.token());
        }
    }

    @Override
    public TokenResult rejected(TokenRequest request, ProviderClient client, GrantKey key, AccessToken rejected) {
        // Forget the rejected exchanged token under its lock, then exchange again (subject token outside locks).
        flights.once(key, () -> {
            grants.cache().remove(key);
            grants.find(key).filter(g -> g.accessToken().equals(rejected.value()))
                    .ifPresent(g -> grants.store().delete(key));
            return null;
        });
        return obtain(request, client, key);
    }

    private TokenResult exchanged(TokenRequest request, ProviderClient client, GrantKey key, AccessToken subject) {
        return flights.once(key, () -> freshOrIssue(request, client, key, (scopes, now) ->
                exchange.exchange(client, subject.value(), request.audience(), scopes, request.principal())));
    }

    private static TokenRequest subjectRequest(TokenRequest request) {
        return TokenRequest.builder().provider(request.subjectProvider()).principal(request.principal())
                .agentScoped(request.agentScoped()).build();
    }
}
