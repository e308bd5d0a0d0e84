package dev.agentauth.core.internal;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.JWTBearerGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.token.TypelessToken;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import dev.agentauth.core.MissingCredentialException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderUnavailableException;
import dev.agentauth.core.Scopes;
import java.net.URI;
import java.util.List;
import net.minidev.json.JSONObject;

/**
 * The JWT bearer grant (RFC 7523 §2.1) with an assertion from outside the broker, and the token exchange (RFC 8693)
 * that makes an identity assertion JWT ("ID-JAG") of a user's ID token. Stateless and thread-safe; blocks on HTTP.
 */
final class AssertionGrants {

    /** RFC 8693 token type of an identity assertion authorization grant. */
    static final TokenTypeURI ID_JAG = tokenType("urn:ietf:params:oauth:token-type:id-jag");

    private AssertionGrants() {
    }

    /** The JWT bearer grant with {@code assertion}, with the provider's client authentication, scope and resource. */
    static IssuedTokens jwtBearer(ProviderClient client, String assertion, Scopes scopes, Principal principal,
                                  String what) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(required(client, assertion, principal, what));
        } catch (java.text.ParseException e) {
            throw new MissingCredentialException("provider '" + client.id() + "': the " + what + " is not a signed"
                    + " JWT; check where it comes from", client.id(), principal);
        }
        return client.requestToken(new JWTBearerGrant(jwt), scopes, principal);
    }

    /**
     * At the enterprise identity provider {@code idp}: the user's ID token exchanged for an identity assertion JWT
     * addressed to {@code audience} (the target authorization server) for {@code resource}.
     */
    static String identityAssertion(ProviderClient idp, String idToken, String audience, URI resource, Scopes scopes,
                                    Principal principal) {
        TokenExchangeGrant grant = new TokenExchangeGrant(new TypelessToken(required(idp, idToken, principal,
                "user's ID token")), TokenTypeURI.ID_TOKEN, null,
                null, ID_JAG, audience == null ? null : List.of(new Audience(audience)));
        URI endpoint = idp.endpoints().token();
        ClientAuthentication auth = idp.clientAuthentication();
        TokenRequest.Builder b = auth != null ? new TokenRequest.Builder(endpoint, auth, grant)
                : new TokenRequest.Builder(endpoint, new ClientID(idp.provider().clientId()), grant);
        if (scopes != null && !scopes.isEmpty()) {
            b.scope(new Scope(scopes.values().toArray(String[]::new)));
        }
        if (resource != null) {
            b.resources(resource);
        }
        HTTPRequest request = b.build().toHTTPRequest();
        HTTPResponse response = idp.executeTokenRequest(request, principal);
        JSONObject json = null;
        try {
            json = response.getStatusCode() == 200 ? response.getBodyAsJSONObject() : null;
        } catch (ParseException notJson) {
            // mapped below
        }
        // RFC 8693 §2.2.1: the assertion is the "access_token" of the answer (token_type N_A), of issued type ID-JAG.
        if (json != null && json.get("access_token") instanceof String jag && !jag.isBlank()
                && json.get("error") == null) {
            Object issued = json.get("issued_token_type");
            if (issued != null && !ID_JAG.getURI().toString().equals(issued)) {
                throw new ProviderUnavailableException("provider '" + idp.id() + "': the token exchange issued a "
                        + issued + " instead of an identity assertion (" + ID_JAG.getURI() + "); check that the"
                        + " identity provider supports enterprise-managed authorization", idp.id(), principal, null);
            }
            return jag;
        }
        idp.parseTokenResponse(response, principal); // throws the mapped OAuth error
        throw new ProviderUnavailableException("provider '" + idp.id() + "': the token exchange answered without an"
                + " identity assertion", idp.id(), principal, null);
    }

    /** An assertion source that has nothing for this principal: a typed error naming what is missing. */
    private static String required(ProviderClient client, String assertion, Principal principal, String what) {
        if (assertion == null || assertion.isBlank()) {
            throw new MissingCredentialException("provider '" + client.id() + "': there is no " + what + " for "
                    + principal + "; the assertion source returned none", client.id(), principal);
        }
        return assertion;
    }

    private static TokenTypeURI tokenType(String uri) {
        try {
            return TokenTypeURI.parse(uri);
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }
}
