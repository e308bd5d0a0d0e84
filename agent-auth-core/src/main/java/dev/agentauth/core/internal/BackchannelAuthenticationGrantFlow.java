package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.ciba.AuthRequestID;
import com.nimbusds.oauth2.sdk.ciba.CIBAGrant;
import com.nimbusds.oauth2.sdk.ciba.CIBARequest;
import com.nimbusds.oauth2.sdk.ciba.CIBARequestAcknowledgement;
import com.nimbusds.oauth2.sdk.ciba.CIBAResponse;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Approval;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRefusedException;
import java.net.URI;
import java.time.Duration;

/**
 * OpenID Client-Initiated Backchannel Authentication (CIBA Core 1.0), poll mode, with RFC 9396 authorization details:
 * the authentication request to the backchannel authentication endpoint (§7.1–7.3) and the polling token request
 * (§10.1). Builds and parses requests only, with Nimbus's types; the consent is {@link BackchannelChannel}'s, the
 * polling {@link ConsentPoller}'s. Stateless and thread-safe; blocks on HTTP.
 */
final class BackchannelAuthenticationGrantFlow {

    /**
     * What the endpoint acknowledged (§7.3).
     *
     * @param authRequestId the secret the broker polls with; never shown, never logged
     * @param lifetime      how long the request is valid ({@code expires_in}, required)
     * @param interval      how often to poll ({@code interval}, default 5 s)
     */
    record Started(String authRequestId, Duration lifetime, Duration interval) {
        @Override
        public String toString() {
            return "Started[lifetime=" + lifetime + ", interval=" + interval + ", authRequestId=redacted]";
        }
    }

    /**
     * Asks the provider to have {@code loginHint}'s user approve {@code approval} on their device. CIBA requires
     * {@code openid} among the scopes (§7.1), which is added when missing. {@code notificationToken}, for ping mode
     * (§10.2), is the {@code client_notification_token} the provider's notification will bear; {@code null} in poll
     * mode.
     */
    Started start(ProviderClient client, Scopes scopes, Principal principal, String loginHint, Approval approval,
                  String notificationToken) {
        URI endpoint = client.endpoints().backchannelAuthentication();
        if (endpoint == null) {
            throw new ConfigurationException("provider '" + client.id() + "' uses OpenID CIBA for approvals, but its"
                    + " metadata names no backchannel_authentication_endpoint; enable CIBA for the client at the"
                    + " provider", client.id(), null);
        }
        ClientAuthentication auth = client.clientAuthentication();
        if (auth == null) {
            throw new ConfigurationException("provider '" + client.id() + "': OpenID CIBA needs a confidential client"
                    + " (CIBA Core §7.1: the request is authenticated); set a client secret or key", client.id(),
                    null);
        }
        Scope scope = new Scope("openid");
        scopes.values().forEach(scope::add);
        CIBARequest.Builder b = new CIBARequest.Builder(auth, scope).endpointURI(endpoint).loginHint(loginHint)
                .bindingMessage(approval.bindingMessage()).authorizationDetails(approval.details());
        if (notificationToken != null) {
            b.clientNotificationToken(new BearerAccessToken(notificationToken));
        }
        CIBARequest request = b.build();
        HTTPResponse response = client.execute(request.toHTTPRequest(), principal,
                "backchannel authentication endpoint");
        CIBARequestAcknowledgement ok;
        try {
            CIBAResponse parsed = CIBAResponse.parse(response);
            if (!parsed.indicatesSuccess()) {
                ErrorObject error = parsed.toErrorResponse().getErrorObject();
                String code = error != null ? error.getCode() : null;
                throw new TokenRefusedException("provider '" + client.id() + "' refused the backchannel"
                        + " authentication request (HTTP " + response.getStatusCode() + (code != null ? ", " + code
                        : "") + "); check that CIBA is enabled for the client, that the user can be found by the"
                        + " login hint, and that the provider accepts the binding message", client.id(), principal,
                        code);
            }
            ok = parsed.toRequestAcknowledgement();
        } catch (ParseException e) {
            throw new AgentAuthException("provider '" + client.id() + "': the backchannel authentication response is"
                    + " malformed (HTTP " + response.getStatusCode() + "); nothing was started, try again",
                    client.id(), principal, null, true, null);
        }
        Integer interval = ok.getMinWaitInterval();
        return new Started(ok.getAuthRequestID().getValue(), Duration.ofSeconds(ok.getExpiresIn()),
                Duration.ofSeconds(interval != null && interval > 0 ? interval : 5));
    }

    /** One poll of the token endpoint for {@code authRequestId} (§10.1), answered unparsed (§11: pending is normal). */
    HTTPResponse poll(ProviderClient client, String authRequestId, Principal principal) {
        return client.sendTokenRequest(new CIBAGrant(new AuthRequestID(authRequestId)), null, principal);
    }
}
