package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderUnavailableException;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRefusedException;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On behalf of a user, after the user's consent — given through a {@linkplain ConsentChannel consent channel}: a
 * browser redirect (authorization code with PKCE, RFC 6749 §4.1, RFC 7636) or a device code (RFC 8628) — to start,
 * refresh tokens (§6) to renew. One grant per user and agent key, whatever the scopes: asking for more scopes asks the
 * user for the union (incremental consent). What only the user can fix — no grant, a revoked or expired refresh
 * token ({@code invalid_grant}, §5.2), a rejected token without a refresh token — becomes a consent requirement;
 * what the provider can fix by itself later (unreachable, 5xx) is thrown, retryable, and the grant is kept.
 */
final class UserConsentPolicy implements GrantPolicy {

    private static final Logger log = LoggerFactory.getLogger(UserConsentPolicy.class);

    private final GrantKeeper grants;
    private final GrantFlights flights;
    private final Consents consents;
    private final ConsentChannels channels;

    UserConsentPolicy(GrantKeeper grants, GrantFlights flights, Consents consents, ConsentChannels channels) {
        this.grants = grants;
        this.flights = flights;
        this.consents = consents;
        this.channels = channels;
    }

    @Override
    public Set<Flow> flows() {
        return Set.of(Flow.USER_CONSENT);
    }

    @Override
    public void check(TokenRequest request, Provider provider) {
        GrantPolicy.requireKind(provider, Provider.Kind.OAUTH2, request.flow());
    }

    @Override
    public GrantKey key(TokenRequest request, Provider provider) {
        return new GrantKey(request.provider(), request.flow(), request.principal().user(),
                GrantPolicy.agentOf(request), "");
    }

    /** Remembered per request, so the cached path allocates nothing (one key per user and agent). */
    @Override
    public boolean memoizeKeys() {
        return true;
    }

    @Override
    public TokenResult obtain(TokenRequest request, ProviderClient client, GrantKey key) {
        Scopes wanted = wanted(request, client.provider());
        if (request.forceConsent()) {
            return flights.run(key, fits(request, client.provider()),
                    () -> consent(request, client, key, wanted, true));
        }
        return flights.run(key, fits(request, client.provider()), () -> {
            StoredGrant grant = grants.find(key).orElse(null);
            if (grant == null) {
                return consent(request, client, key, wanted, false);
            }
            if (!grant.scopes().containsAll(wanted)) {
                // Incremental consent: ask for what the user already granted plus what is missing.
                return consent(request, client, key, grant.scopes().union(wanted), false);
            }
            if (grants.isFresh(grant)) {
                return grants.serve(grant);
            }
            if (grant.refreshToken() == null) {
                if (grants.isUsable(grant)) {
                    return grants.serve(grant); // stale, but only the user can renew it: serve it until it expires
                }
                grants.forget(key, grant, AuditEvent.Type.GRANT_INVALIDATED, "expired without a refresh token");
                return consent(request, client, key, grant.scopes().union(wanted), false);
            }
            return refresh(request, client, key, grant);
        });
    }

    @Override
    public TokenResult rejected(TokenRequest request, ProviderClient client, GrantKey key, AccessToken rejected) {
        Scopes wanted = wanted(request, client.provider());
        return flights.run(key, fits(request, client.provider()), () -> {
            StoredGrant grant = grants.find(key).orElse(null);
            if (grant != null && !grant.accessToken().equals(rejected.value()) && grants.isFresh(grant)) {
                return grants.serve(grant); // another caller already replaced it
            }
            grants.cache().remove(key);
            if (grant == null) {
                return consent(request, client, key, wanted, false);
            }
            if (grant.refreshToken() != null) {
                return refresh(request, client, key, grant);
            }
            grants.forget(key, grant, AuditEvent.Type.GRANT_INVALIDATED, "access token rejected, no refresh token");
            return consent(request, client, key, grant.scopes().union(wanted), false);
        });
    }

    /**
     * Refresh token grant (RFC 6749 §6). Asks for no scope, so the provider keeps the grant's original scopes. The
     * refresh is recorded in the store before the provider is asked ({@link TokenStore#beginRefresh}): if this process
     * dies after the provider rotated the refresh token and before the new one is saved, the next refresher (another
     * replica) learns of it. It then tries the refresh token it has — a provider with a reuse window for rotated
     * refresh tokens accepts it, and the grant is recovered — or, with strict rotation, tells plainly that the user
     * must connect again because the refresh token was lost, not revoked.
     */
    private TokenResult refresh(TokenRequest request, ProviderClient client, GrantKey key, StoredGrant grant) {
        Optional<Instant> interrupted = grants.store().beginRefresh(key, grants.clock().instant());
        IssuedTokens issued;
        try {
            issued = client.requestToken(new RefreshTokenGrant(new RefreshToken(grant.refreshToken())), null,
                    request.principal());
        } catch (TokenRefusedException e) {
            if ("invalid_grant".equals(e.oauthError())) {
                // RFC 6749 §5.2: the refresh token is invalid, expired or revoked. Only the user can fix that.
                String why = "invalid_grant";
                if (interrupted.isPresent()) {
                    why = "refresh token lost: a refresh begun at " + interrupted.get() + " never finished (its"
                            + " process stopped) and the provider no longer accepts the previous refresh token";
                    log.warn("provider {}: the refresh token of {} was lost: a refresh begun at {} by a process that"
                            + " stopped never finished, and {} does not accept the previous refresh token again"
                            + " (strict rotation); {} must connect again", client.id(), request.principal(),
                            interrupted.get(), client.id(), request.principal().user());
                } else {
                    log.info("provider {}: refresh token of {} was refused (invalid_grant); grant removed, consent"
                            + " needed", client.id(), request.principal());
                }
                grants.forget(key, grant, AuditEvent.Type.GRANT_INVALIDATED, why);
                return consent(request, client, key,
                        grant.scopes().union(wanted(request, client.provider())), false);
            }
            endRefresh(key);
            grants.audit().record(AuditEvent.Type.REFRESH_FAILED, client.id(), request.principal(), grant.scopes(),
                    null, e.oauthError());
            throw e;
        } catch (ProviderUnavailableException e) {
            if (!(e.getCause() instanceof java.io.IOException) || e.getCause() instanceof java.net.ConnectException) {
                // It answered an error, or was never reached: the refresh token was not used. After a timeout or a
                // cut connection it may have been: the record stays, so a lost refresh token is named as such.
                endRefresh(key);
            }
            grants.audit().record(AuditEvent.Type.REFRESH_FAILED, client.id(), request.principal(), grant.scopes(),
                    null, "provider unavailable");
            throw e;
        }
        if (interrupted.isPresent()) {
            log.info("provider {}: recovered the grant of {} after a refresh begun at {} never finished (the provider"
                    + " accepted the previous refresh token again)", client.id(), request.principal(),
                    interrupted.get());
        }
        // §6: a new refresh token is optional; keep the old one when none is sent. Saving ends the refresh record.
        StoredGrant refreshed = grants.grantOf(key, issued, grant.scopes(), grant.refreshToken(), client.provider(),
                grant.account());
        TokenResult.Granted result = grants.keep(refreshed, true, request.principal(),
                AuditEvent.Type.TOKEN_REFRESHED, null, issued.refreshToken() != null ? "refresh token rotated" : null);
        log.debug("provider {}: refreshed token of {}", client.id(), request.principal());
        return result;
    }

    /** The refresh ended without a new grant; best effort (the store may be what failed). */
    private void endRefresh(GrantKey key) {
        try {
            grants.store().endRefresh(key);
        } catch (dev.agentauth.core.AgentAuthException e) {
            log.debug("grant {}: clearing its refresh record failed ({})", key, e.getClass().getSimpleName());
        }
    }

    /** A consent, through the channel the provider's users consent by (a redirect, a device code). */
    private TokenResult consent(TokenRequest request, ProviderClient client, GrantKey key, Scopes scopes,
                                boolean force) {
        return consents.start(channels.of(request, client.provider()), request, client, key, scopes, force);
    }

    /**
     * Whether a shared answer serves this caller too: it may have asked for more scopes than the caller whose flight
     * it joined.
     */
    private static Predicate<TokenResult> fits(TokenRequest request, Provider provider) {
        return result -> GrantCache.satisfies(result instanceof TokenResult.Granted g ? g.token().scopes()
                : ((TokenResult.ConsentRequired) result).consent().scopes(), request, provider);
    }

    private static Scopes wanted(TokenRequest request, Provider provider) {
        return request.scopes().union(provider.defaultScopes());
    }
}
