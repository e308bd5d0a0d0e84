package dev.agentauth.core.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.Flow;
import dev.agentauth.core.GrantInfo;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.store.StoredGrant;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's grants, for a "connected accounts" page: listing and disconnecting. Disconnecting revokes at the provider
 * (RFC 7009) when it can; a failed revocation is logged and the local grant is deleted anyway, since the user asked
 * for the connection to end. Thread-safe; blocks on the store and the revocation endpoint.
 */
final class GrantAdministration {

    private static final Logger log = LoggerFactory.getLogger(GrantAdministration.class);

    private final ProviderRegistry providers;
    private final GrantKeeper grants;
    private final TokenRevocation revocation = new TokenRevocation();

    GrantAdministration(ProviderRegistry providers, GrantKeeper grants) {
        this.providers = providers;
        this.grants = grants;
    }

    List<GrantInfo> grants(String user) {
        return grants.store().findByUser(user).stream()
                // An approved action's token is not a connection: it serves the one call it was approved for.
                .filter(g -> g.key().flow() != Flow.USER_APPROVAL)
                .map(g -> new GrantInfo(g.key().provider(), new Principal(user, g.key().agent()), g.key().flow(),
                        g.scopes(), g.expiresAt(), g.refreshToken() != null, g.updatedAt(), g.account()))
                .toList();
    }

    /** Tokens exchanged from this provider's token (RFC 8693) go with it: the user withdrew that delegation. */
    int disconnect(ProviderId provider, String user) {
        return disconnectWhere(user, g -> g.key().provider().equals(provider) || g.key().exchangedFrom(provider))
                + removeUnverifiable(user, provider);
    }

    int disconnectAll(String user) {
        return disconnectWhere(user, g -> true) + removeUnverifiable(user, null);
    }

    /**
     * Rows filed under the user that fail the store's integrity check are deleted without revocation: their tokens
     * cannot be trusted to be this user's (a row edited to point at them), so nothing of them is sent anywhere.
     */
    private int removeUnverifiable(String user, ProviderId provider) {
        int removed = grants.store().deleteUnverifiable(user, provider);
        if (removed > 0) {
            grants.audit().record(AuditEvent.Type.GRANT_REVOKED, provider, Principal.user(user), null, null,
                    removed + " stored row(s) that failed the integrity check deleted, not revoked");
            log.warn("disconnect of {}{}: deleted {} stored grant row(s) that failed the integrity check", user,
                    provider == null ? "" : " from " + provider, removed);
        }
        return removed;
    }

    private int disconnectWhere(String user, Predicate<StoredGrant> which) {
        int removed = 0;
        for (StoredGrant grant : grants.store().findByUser(user)) {
            if (which.test(grant)) {
                removed += disconnect(grant, user);
            }
        }
        return removed;
    }

    private int disconnect(StoredGrant grant, String user) {
        Principal principal = new Principal(user, grant.key().agent());
        ProviderClient client = providers.find(grant.key().provider());
        String detail = "local grant deleted";
        if (client != null && client.provider().kind() == Provider.Kind.OAUTH2) {
            try {
                if (revocation.revoke(client, grant, principal)) {
                    detail = "revoked at provider (RFC 7009)";
                }
            } catch (AgentAuthException e) {
                log.warn("provider {}: revocation for {} failed, deleting the local grant anyway: {}",
                        client.id(), principal, e.getMessage());
                detail = "revocation failed; local grant deleted";
            }
        }
        grants.cache().remove(grant.key());
        boolean deleted = grants.store().delete(grant.key());
        grants.audit().record(AuditEvent.Type.GRANT_REVOKED, grant.key().provider(), principal, grant.scopes(), null,
                detail, grant.account());
        log.info("provider {}: disconnected {} ({})", grant.key().provider(), principal, detail);
        return deleted ? 1 : 0;
    }
}
