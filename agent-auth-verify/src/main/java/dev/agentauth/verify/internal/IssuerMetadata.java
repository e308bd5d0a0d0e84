package dev.agentauth.verify.internal;

import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import dev.agentauth.core.http.HttpTransport;
import java.io.IOException;
import java.net.URI;
import java.net.URL;

/**
 * Where a trusted issuer's keys are: the {@code jwks_uri} of its OpenID Connect Discovery 1.0 document, else of its
 * RFC 8414 authorization server metadata — the order the broker discovers providers in — fetched through the
 * {@link HttpTransport} and parsed by Nimbus. Each document must name exactly the issuer it was fetched for (OpenID
 * Connect Discovery §4.3, RFC 8414 §3.3): a document for another issuer would hand this service someone else's keys.
 *
 * <p>The verifier needs one member and reports any failure as "the keys cannot be fetched", so this is its own small
 * reading of the two documents rather than the broker's discovery, which is not API. Stateless and thread-safe; blocks
 * on HTTP.
 */
final class IssuerMetadata {

    private IssuerMetadata() {
    }

    /**
     * The {@code jwks_uri} of {@code issuer}, or {@code null} when its usable document advertises none.
     *
     * @throws GeneralException a document was fetched but is malformed or names another issuer, and the other one
     *                          was not usable either
     * @throws IOException      neither document could be fetched (unreachable, not HTTP 200)
     */
    static URI jwksUri(HttpTransport http, Issuer issuer) throws GeneralException, IOException {
        GeneralException unusable;
        IOException unreachable = null;
        try {
            return fetch(http, OIDCProviderMetadata.resolveURL(issuer), issuer, true);
        } catch (GeneralException e) {
            unusable = e;
        } catch (IOException e) {
            unusable = null;
            unreachable = e;
        }
        try {
            return fetch(http, AuthorizationServerMetadata.resolveURL(issuer), issuer, false);
        } catch (GeneralException e) {
            throw unusable != null ? unusable : e;
        } catch (IOException e) {
            if (unusable != null) {
                throw unusable;
            }
            throw unreachable;
        }
    }

    private static URI fetch(HttpTransport http, URL url, Issuer expected, boolean openId)
            throws GeneralException, IOException {
        HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, url);
        request.setAccept("application/json");
        HTTPResponse response = http.send(request);
        if (response.getStatusCode() != 200) {
            throw new IOException("HTTP " + response.getStatusCode() + " from " + url);
        }
        AuthorizationServerMetadata metadata;
        try {
            metadata = openId ? OIDCProviderMetadata.parse(response.getBodyAsJSONObject())
                    : AuthorizationServerMetadata.parse(response.getBodyAsJSONObject());
        } catch (ParseException e) {
            throw new GeneralException("the metadata at " + url + " is malformed");
        }
        if (!expected.equals(metadata.getIssuer())) {
            throw new GeneralException("the metadata at " + url + " names another issuer");
        }
        return metadata.getJWKSetURI();
    }
}
