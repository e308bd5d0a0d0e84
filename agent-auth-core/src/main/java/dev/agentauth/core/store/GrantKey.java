package dev.agentauth.core.store;

import dev.agentauth.core.Flow;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.TokenRequest;
import java.util.Objects;

/**
 * Identifies one stored grant: provider, flow, user, agent ({@link #SHARED} when every agent of the user shares it)
 * and, for client-credentials tokens only, the scopes asked for. Immutable and thread-safe.
 *
 * @param provider the provider
 * @param flow     how the grant was obtained
 * @param user     the user, or {@code null} for agent-only grants
 * @param agent    the agent, or {@link #SHARED}
 * @param scopeKey for client-credentials grants the requested scopes joined by spaces; otherwise empty
 */
public record GrantKey(ProviderId provider, Flow flow, String user, String agent, String scopeKey) {

    /** The agent value of grants shared by every agent acting for a user. */
    public static final String SHARED = "*";

    public GrantKey {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(scopeKey, "scopeKey");
    }

    /** The key a request's grant is stored under. {@code effectiveScopes} are the request's scopes after defaults. */
    public static GrantKey of(TokenRequest request, dev.agentauth.core.Scopes effectiveScopes) {
        String agent = request.agentScoped() ? request.principal().agent() : SHARED;
        String scopeKey = request.flow() == Flow.CLIENT_CREDENTIALS ? effectiveScopes.join(" ") : "";
        return new GrantKey(request.provider(), request.flow(), request.principal().user(), agent, scopeKey);
    }

    @Override
    public String toString() {
        return provider + "/" + flow + "/" + (user == null ? "-" : user) + "/" + agent
                + (scopeKey.isEmpty() ? "" : "/[" + scopeKey + "]");
    }
}
