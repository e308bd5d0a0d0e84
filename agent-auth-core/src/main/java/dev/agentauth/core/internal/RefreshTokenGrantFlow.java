package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import dev.agentauth.core.Principal;

/**
 * Refresh token grant (RFC 6749 §6). Asks for no scope, so the provider keeps the grant's original scopes. Stateless
 * and thread-safe; blocks on HTTP. Callers keep the old refresh token when the answer carries none (§6: the server
 * "MAY issue a new refresh token").
 */
public final class RefreshTokenGrantFlow {

    public IssuedTokens refresh(ProviderClient client, String refreshToken, Principal principal) {
        return client.requestToken(new RefreshTokenGrant(new RefreshToken(refreshToken)), null, principal);
    }
}
