package dev.agentauth.core.internal;

import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRequest;
import java.time.Instant;
import java.util.Set;

/**
 * Service accounts that sign their own assertions with a {@link dev.agentauth.core.ServiceAccountKey}: the token is
 * the agent's own whoever the user is, one per scope set and audience. Three ways to turn the key into a token, one
 * subclass each.
 */
abstract class ServiceAccountPolicy extends ReissuingPolicy {

    final JwtBearerGrantFlow jwtBearer = new JwtBearerGrantFlow();

    ServiceAccountPolicy(GrantKeeper grants, GrantFlights flights) {
        super(grants, flights);
    }

    @Override
    public void check(TokenRequest request, Provider provider) {
        GrantPolicy.requireKind(provider, Provider.Kind.SERVICE_ACCOUNT, request.flow());
    }

    @Override
    String userOf(TokenRequest request) {
        return null;
    }

    /** JWT bearer grant (RFC 7523 §2.1): an access token for scopes. */
    static final class JwtBearer extends ServiceAccountPolicy {
        JwtBearer(GrantKeeper grants, GrantFlights flights) {
            super(grants, flights);
        }

        @Override
        public Set<Flow> flows() {
            return Set.of(Flow.JWT_BEARER);
        }

        @Override
        IssuedTokens request(TokenRequest request, ProviderClient client, Scopes scopes, Instant now) {
            return jwtBearer.accessToken(client, scopes, request.principal(), now);
        }
    }

    /** JWT bearer grant with {@code target_audience}: an OpenID Connect ID token for one service. */
    static final class IdToken extends ServiceAccountPolicy {
        IdToken(GrantKeeper grants, GrantFlights flights) {
            super(grants, flights);
        }

        @Override
        public Set<Flow> flows() {
            return Set.of(Flow.ID_TOKEN);
        }

        @Override
        IssuedTokens request(TokenRequest request, ProviderClient client, Scopes scopes, Instant now) {
            return jwtBearer.idToken(client, request.audience(), request.principal(), now);
        }
    }

    /** A JWT signed locally and used as the bearer token: no network call. */
    static final class SelfSignedJwt extends ServiceAccountPolicy {
        private final SelfSignedJwtIssuer issuer = new SelfSignedJwtIssuer();

        SelfSignedJwt(GrantKeeper grants, GrantFlights flights) {
            super(grants, flights);
        }

        @Override
        public Set<Flow> flows() {
            return Set.of(Flow.SELF_SIGNED_JWT);
        }

        @Override
        IssuedTokens request(TokenRequest request, ProviderClient client, Scopes scopes, Instant now) {
            return issuer.issue(client.provider(), request.audience(), scopes, now);
        }

        /** A self-signed JWT costs nothing to mint again: it is cached, never stored. */
        @Override
        boolean persist() {
            return false;
        }
    }
}
