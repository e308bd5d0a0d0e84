package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import dev.agentauth.core.TokenRefusedException;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Token;
import dev.agentauth.core.Principal;
import dev.agentauth.core.store.StoredGrant;
import java.net.URI;

/**
 * Token revocation (RFC 7009). Revokes the refresh token when there is one (§2.1: the server should then also
 * invalidate the access tokens of that grant), else the access token. Thread-safe; blocks on HTTP.
 */
final class TokenRevocation {

    /**
     * Whether the provider confirmed; {@code false} when it has no revocation endpoint.
     *
     * @throws TokenRefusedException the provider refused, with its reason
     */
    boolean revoke(ProviderClient client, StoredGrant grant, Principal principal) {
        URI endpoint = client.endpoints().revocation();
        if (endpoint == null) {
            return false;
        }
        Token token = grant.refreshToken() != null
                ? new RefreshToken(grant.refreshToken())
                : new BearerAccessToken(grant.accessToken());
        ClientAuthentication auth = client.clientAuthentication();
        TokenRevocationRequest request = auth != null
                ? new TokenRevocationRequest(endpoint, auth, token)
                : new TokenRevocationRequest(endpoint, new ClientID(client.provider().clientId()), token);
        HTTPResponse response = client.execute(request.toHTTPRequest(), principal, "revocation endpoint");
        // §2.2: 200 whether or not the token was valid.
        if (response.getStatusCode() == 200) {
            return true;
        }
        // §2.2.1: an error response as in RFC 6749 §5.2; keep the provider's reason, it is what the operator needs.
        String reason = "HTTP " + response.getStatusCode();
        try {
            ErrorObject error = ErrorObject.parse(response.getBodyAsJSONObject());
            if (error.getCode() != null) {
                reason += ", " + error.getCode() + TokenResponseParser.describe(error);
            }
        } catch (ParseException | RuntimeException notAnError) {
            // no OAuth error body
        }
        throw new TokenRefusedException("provider '" + client.id() + "' refused to revoke the token of " + principal
                + " (" + reason + "); the local grant is deleted anyway, revoke it at the provider if it matters",
                client.id(), principal, null);
    }
}
