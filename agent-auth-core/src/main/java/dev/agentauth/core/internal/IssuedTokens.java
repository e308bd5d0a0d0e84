package dev.agentauth.core.internal;

import dev.agentauth.core.Scopes;

/**
 * A successful token response (RFC 6749 §5.1), normalized across provider dialects.
 *
 * @param scope granted scopes, or {@code null} when the response named none (then they equal the requested ones)
 */
record IssuedTokens(String accessToken, String tokenType, String refreshToken, Long expiresInSeconds,
                           Scopes scope, String idToken) {

    IssuedTokens(String accessToken, String tokenType, String refreshToken, Long expiresInSeconds, Scopes scope) {
        this(accessToken, tokenType, refreshToken, expiresInSeconds, scope, null);
    }

    @Override
    public String toString() {
        return "IssuedTokens[tokenType=" + tokenType + ", expiresIn=" + expiresInSeconds + ", scope=" + scope
                + ", refreshToken=" + (refreshToken == null ? "none" : "redacted") + ", accessToken=redacted"
                + (idToken != null ? ", idToken=redacted" : "") + "]";
    }
}
