package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationRequest;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationResponse;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.device.DeviceCode;
import com.nimbusds.oauth2.sdk.device.DeviceCodeGrant;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRefusedException;
import java.net.URI;
import java.time.Duration;

/**
 * Device authorization grant (RFC 8628): asks the device authorization endpoint for a device code and a user code
 * (§3.1–3.2), and sends the polling token request (§3.4). Builds and parses requests only; the consent is
 * {@link DeviceCodeChannel}'s, the polling {@link ConsentPoller}'s. Stateless and thread-safe; blocks on HTTP.
 */
final class DeviceAuthorizationGrantFlow {

    /**
     * What the endpoint answered.
     *
     * @param deviceCode   the secret the broker polls with; never shown, never logged
     * @param lifetime     how long the codes are valid ({@code expires_in})
     * @param interval     how often to poll (default 5 s)
     */
    record Started(String deviceCode, String userCode, URI verificationUri, URI verificationUriComplete,
                   Duration lifetime, Duration interval) {
        @Override
        public String toString() {
            return "Started[userCode=" + userCode + ", verificationUri=" + verificationUri + ", deviceCode=redacted]";
        }
    }

    /** Asks for a device code and a user code for {@code scopes}. */
    Started start(ProviderClient client, Scopes scopes, Principal principal) {
        URI endpoint = client.endpoints().deviceAuthorization();
        if (endpoint == null) {
            throw new ConfigurationException("provider '" + client.id() + "' uses the device authorization grant,"
                    + " but its metadata names no device_authorization_endpoint; set"
                    + " ProviderBuilder.deviceAuthorizationEndpoint(...)", client.id(), null);
        }
        ClientAuthentication auth = client.clientAuthentication();
        DeviceAuthorizationRequest.Builder b = auth != null ? new DeviceAuthorizationRequest.Builder(auth)
                : new DeviceAuthorizationRequest.Builder(new ClientID(client.provider().clientId()));
        if (!scopes.isEmpty()) {
            b.scope(new Scope(scopes.values().toArray(String[]::new)));
        }
        HTTPResponse response = client.execute(b.endpointURI(endpoint).build().toHTTPRequest(), principal,
                "device authorization endpoint");
        if (response.indicatesSuccess()) {
            requireSafeVerificationUris(response, client, principal);
        }
        DeviceAuthorizationSuccessResponse ok;
        try {
            DeviceAuthorizationResponse parsed = DeviceAuthorizationResponse.parse(response);
            if (!parsed.indicatesSuccess()) {
                ErrorObject error = parsed.toErrorResponse().getErrorObject();
                String code = error != null ? error.getCode() : null;
                throw new TokenRefusedException("provider '" + client.id() + "' refused the device authorization"
                        + " request (HTTP " + response.getStatusCode() + (code != null ? ", " + code : "")
                        + "); check the client's device grant settings and scopes", client.id(), principal, code);
            }
            ok = parsed.toSuccessResponse();
        } catch (ParseException e) {
            throw new AgentAuthException("provider '" + client.id() + "': the device authorization response is"
                    + " malformed (HTTP " + response.getStatusCode() + "); nothing was started, try again",
                    client.id(), principal, null, true, null);
        }
        return new Started(ok.getDeviceCode().getValue(), ok.getUserCode().getValue(), ok.getVerificationURI(),
                ok.getVerificationURIComplete(), ok.getLifetime() > 0 ? Duration.ofSeconds(ok.getLifetime()) : null,
                Duration.ofSeconds(ok.getInterval() > 0 ? ok.getInterval() : 5));
    }

    /**
     * RFC 8628 §3.3: the user is told to open the verification URI, or scans the complete one as a QR code; the
     * provider chose both, so a {@code javascript:}, {@code file:} or plain-http link there would be the broker's
     * doing. Read from the JSON before Nimbus, so that a value that does not parse is refused by name as well.
     */
    private static void requireSafeVerificationUris(HTTPResponse response, ProviderClient client,
                                                    Principal principal) {
        net.minidev.json.JSONObject json;
        try {
            json = response.getBodyAsJSONObject();
        } catch (ParseException e) {
            return; // not JSON: reported as malformed below
        }
        String remedy = "The provider's device authorization endpoint is misconfigured or compromised; have its"
                + " operator fix the verification URI it sends, then try again.";
        for (String field : new String[] {"verification_uri", "verification_uri_complete"}) {
            ProviderUris.requireSafe(json.get(field), field, "the device authorization response", client.id(),
                    principal, remedy);
        }
    }

    /** One poll of the token endpoint for {@code deviceCode}, answered unparsed (pending and slow_down are normal). */
    HTTPResponse poll(ProviderClient client, String deviceCode, Principal principal) {
        return client.sendTokenRequest(new DeviceCodeGrant(new DeviceCode(deviceCode)), null, principal);
    }
}
