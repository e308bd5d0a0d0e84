package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Authorization code grant with PKCE S256 (RFC 6749 §4.1, RFC 7636): builds the authorization URL, then redeems the
 * code the callback brings. Stateless and thread-safe; {@link #redeem} blocks on HTTP.
 */
final class AuthorizationCodeGrantFlow {

    /** The authorization URL for one consent. */
    URI authorizationUri(ProviderClient client, Scopes scopes, State state, CodeVerifier verifier,
                                URI redirectUri, String loginHint, Principal principal) {
        Provider provider = client.provider();
        URI endpoint = client.endpoints().authorization();
        if (endpoint == null) {
            throw new ConfigurationException("provider '" + client.id() + "' has no authorization endpoint, so users"
                    + " cannot consent; set authorization-endpoint or an issuer whose metadata names one",
                    client.id(), null);
        }
        if (provider.authorizationEndpoint().isEmpty()) {
            // Learned from the issuer's metadata (OpenID Connect Discovery §3, RFC 8414 §2), not configured: the
            // provider chose where users' browsers go. Checked here, where it is handed to a user, so that a provider
            // used only for grants without a user still works.
            ProviderUris.requireSafe(endpoint, "authorization_endpoint", "the metadata of issuer "
                    + client.endpoints().issuer(), client.id(), principal, "Have the provider's operator fix its"
                    + " metadata; for a development provider without https, configure"
                    + " ProviderBuilder.authorizationEndpoint(...) yourself (it is then your choice, logged as a"
                    + " warning when the provider is built).");
        }
        AuthorizationRequest.Builder b = new AuthorizationRequest.Builder(ResponseType.CODE,
                new ClientID(provider.clientId()))
                .endpointURI(endpoint)
                .redirectionURI(redirectUri)
                .state(state);
        if (verifier != null) {
            b.codeChallenge(verifier, CodeChallengeMethod.S256);
        }
        provider.authorizationParameters().forEach(b::customParameter);
        if (loginHint != null) {
            // OpenID Connect Core §3.1.2.1: which account to sign in with; providers pre-fill or pick it.
            b.customParameter("login_hint", loginHint);
        }
        // RFC 8707 §2: name the resource the token is for, so the authorization server can restrict its audience.
        provider.resource().ifPresent(r -> b.resource(r));
        Map<String, List<String>> params = new LinkedHashMap<>(b.build().toParameters());
        if (!scopes.isEmpty()) {
            // Not through Nimbus's Scope: some providers want another delimiter (Slack: comma) or parameter name.
            params.put(provider.scopeParameter(), List.of(scopes.join(provider.scopeDelimiter())));
        }
        String query = URLUtils.serializeParameters(params);
        String base = endpoint.toString();
        return URI.create(base + (base.contains("?") ? "&" : "?") + query);
    }

    /** Redeems {@code code} with the PKCE verifier and the same redirect URI (RFC 6749 §4.1.3). */
    IssuedTokens redeem(ProviderClient client, String code, String verifier, URI redirectUri,
                               Principal principal) {
        AuthorizationCodeGrant grant = new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri,
                verifier != null ? new CodeVerifier(verifier) : null);
        return client.requestToken(grant, null, principal);
    }
}
