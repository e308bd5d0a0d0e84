package dev.agentauth.core.store;

import dev.agentauth.core.Flow;
import dev.agentauth.core.ProviderId;
import java.util.Objects;

/**
 * Identifies one stored grant: provider, flow, user, agent ({@link #SHARED} when every agent of the user shares it),
 * the scopes asked for (for flows that keep one token per scope set), the audience the token is for, and, for a token
 * exchanged from another provider's token (RFC 8693), that provider. Immutable and thread-safe.
 *
 * @param provider        the provider
 * @param flow            how the grant was obtained
 * @param user            the user, or {@code null} for agent-only grants
 * @param agent           the agent, or {@link #SHARED}
 * @param scopeKey        for flows that keep one token per scope set (client credentials, JWT bearer, self-signed
 *                        JWT, token exchange) the requested scopes joined by spaces; otherwise empty
 * @param audience        the audience the token was asked for ({@link dev.agentauth.core.TokenRequest#audience()}),
 *                        or empty
 * @param subjectProvider for {@link Flow#TOKEN_EXCHANGE}: the provider whose user token was exchanged; otherwise
 *                        {@code null}
 */
public record GrantKey(ProviderId provider, Flow flow, String user, String agent, String scopeKey, String audience,
                       ProviderId subjectProvider) {

    /** The agent value of grants shared by every agent acting for a user. */
    public static final String SHARED = "*";

    public GrantKey {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(scopeKey, "scopeKey");
        Objects.requireNonNull(audience, "audience");
    }

    /** A key without audience or subject provider. */
    public GrantKey(ProviderId provider, Flow flow, String user, String agent, String scopeKey) {
        this(provider, flow, user, agent, scopeKey, "", null);
    }

    /** Whether this grant was exchanged from a token of {@code provider} (RFC 8693) and so depends on it. */
    public boolean exchangedFrom(ProviderId provider) {
        return provider.equals(subjectProvider);
    }

    @Override
    public String toString() {
        return provider + "/" + flow + "/" + (user == null ? "-" : user) + "/" + agent
                + (scopeKey.isEmpty() ? "" : "/[" + scopeKey + "]")
                + (audience.isEmpty() ? "" : "/aud=" + audience)
                + (subjectProvider == null ? "" : "/subject=" + subjectProvider);
    }
}
