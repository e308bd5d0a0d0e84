package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Scopes;
import java.util.List;

/**
 * Token exchange (RFC 8693 §2.1): the user's access token as {@code subject_token} (type
 * {@code urn:ietf:params:oauth:token-type:access_token}), traded for a token for {@code audience}, with the exchanging
 * provider's client authentication. No actor token: the agent is identified by its client authentication.
 * Stateless and thread-safe; blocks on HTTP.
 */
final class TokenExchangeGrantFlow {

    IssuedTokens exchange(ProviderClient client, String subjectToken, String audience, Scopes scopes,
                                 Principal principal) {
        TokenExchangeGrant grant = new TokenExchangeGrant(new BearerAccessToken(subjectToken),
                TokenTypeURI.ACCESS_TOKEN, null, null, null,
                audience == null ? null : List.of(new Audience(audience)));
        return client.requestToken(grant, scopes, principal);
    }
}
