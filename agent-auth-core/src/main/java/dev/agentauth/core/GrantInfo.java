package dev.agentauth.core;

import java.time.Instant;

/**
 * A user's connection to a provider, as a "connected accounts" page would list it. Holds no secret.
 *
 * @param provider        the provider
 * @param principal       the user, and the agent when the grant is agent-scoped ({@code *} when shared)
 * @param flow            how it was obtained
 * @param scopes          the scopes granted
 * @param expiresAt       when the access token expires, or {@code null}
 * @param hasRefreshToken whether it can be refreshed without the user
 * @param updatedAt       when it was last issued or refreshed
 * @param account         the identity-provider account the user connected, or {@code null} when the provider did not
 *                        say (no OpenID Connect ID token)
 */
public record GrantInfo(ProviderId provider, Principal principal, Flow flow, Scopes scopes, Instant expiresAt,
                        boolean hasRefreshToken, Instant updatedAt, ConnectedAccount account) {

    /** The connected account, when known. @since 0.2.0 */
    public java.util.Optional<ConnectedAccount> connectedAccount() {
        return java.util.Optional.ofNullable(account);
    }
}
