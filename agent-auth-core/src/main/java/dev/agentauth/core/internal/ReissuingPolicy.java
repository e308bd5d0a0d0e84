package dev.agentauth.core.internal;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import java.time.Instant;
import java.util.Locale;

/**
 * Grants the agent can obtain again whenever it likes, without a user: one token per scope set (and audience), kept
 * while fresh, obtained anew when stale, dropped and obtained anew when an API rejects it. There is no refresh token
 * (RFC 6749 §4.4.3, RFC 7523 §2.1) and nobody to ask. Subclasses say how one token request is made.
 */
abstract class ReissuingPolicy implements GrantPolicy {

    /** One token request, for the grant's scopes at {@code now}. */
    @FunctionalInterface
    interface TokenCall {
        IssuedTokens send(Scopes scopes, Instant now);
    }

    final GrantKeeper grants;
    final GrantFlights flights;

    ReissuingPolicy(GrantKeeper grants, GrantFlights flights) {
        this.grants = grants;
        this.flights = flights;
    }

    /** Asks the provider (or signs locally) for a token for {@code scopes}. */
    abstract IssuedTokens request(TokenRequest request, ProviderClient client, Scopes scopes, Instant now);

    /** Whether issued tokens go to the store; a token that costs nothing to mint again is only cached. */
    boolean persist() {
        return true;
    }

    /** The user in the key: the request's, unless the token is the agent's own whoever the user is. */
    String userOf(TokenRequest request) {
        return request.principal().user();
    }

    @Override
    public GrantKey key(TokenRequest request, Provider provider) {
        return new GrantKey(request.provider(), request.flow(), userOf(request), GrantPolicy.agentOf(request),
                scopes(request, provider).join(" "), request.audience() == null ? "" : request.audience(),
                request.subjectProvider());
    }

    @Override
    public boolean memoizeKeys() {
        return true;
    }

    @Override
    public TokenResult obtain(TokenRequest request, ProviderClient client, GrantKey key) {
        return flights.once(key, () -> freshOrIssue(request, client, key,
                (scopes, now) -> request(request, client, scopes, now)));
    }

    @Override
    public TokenResult rejected(TokenRequest request, ProviderClient client, GrantKey key, AccessToken rejected) {
        return flights.once(key, () -> {
            StoredGrant grant = grants.find(key).orElse(null);
            if (grant != null && !grant.accessToken().equals(rejected.value()) && grants.isFresh(grant)) {
                return grants.serve(grant); // another caller already replaced it
            }
            grants.drop(key, grant);
            return issue(request, client, key, (scopes, now) -> request(request, client, scopes, now));
        });
    }

    /** The stored token while fresh, else a new one from {@code call}. Runs inside the grant's flight. */
    final TokenResult freshOrIssue(TokenRequest request, ProviderClient client, GrantKey key, TokenCall call) {
        StoredGrant grant = grants.find(key).orElse(null);
        if (grant != null && grants.isFresh(grant)) {
            return grants.serve(grant);
        }
        return issue(request, client, key, call);
    }

    final TokenResult issue(TokenRequest request, ProviderClient client, GrantKey key, TokenCall call) {
        Scopes scopes = scopes(request, client.provider());
        IssuedTokens issued = call.send(scopes, grants.clock().instant());
        StoredGrant fresh = grants.grantOf(key, issued, scopes, null, client.provider());
        return grants.keep(fresh, persist(), request.principal(), AuditEvent.Type.TOKEN_ISSUED, null,
                request.flow().name().toLowerCase(Locale.ROOT));
    }

    static Scopes scopes(TokenRequest request, Provider provider) {
        return request.scopes().union(provider.defaultScopes());
    }
}
