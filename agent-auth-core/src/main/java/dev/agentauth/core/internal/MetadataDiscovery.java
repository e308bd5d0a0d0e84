package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import dev.agentauth.core.http.HttpTransport;
import java.io.IOException;
import java.net.URL;

/**
 * Authorization-server metadata through the broker's {@link HttpTransport}: OpenID Connect Discovery 1.0 first, then
 * RFC 8414, with the same checks Nimbus's own {@code resolve} makes. Stateless and thread-safe; blocks on HTTP.
 */
public final class MetadataDiscovery {

    private MetadataDiscovery() {
    }

    /**
     * The metadata of {@code issuer}.
     *
     * @throws GeneralException neither document is usable (malformed, or names another issuer)
     * @throws IOException      the issuer is unreachable or answered neither document with HTTP 200
     */
    public static AuthorizationServerMetadata resolve(HttpTransport http, Issuer issuer)
            throws GeneralException, IOException {
        GeneralException unusable = null;
        IOException unreachable;
        try {
            return oidc(http, issuer);
        } catch (GeneralException e) {
            unusable = e;
            unreachable = null;
        } catch (IOException e) {
            unreachable = e;
        }
        try {
            return oauth(http, issuer);
        } catch (GeneralException e) {
            throw unusable != null ? new GeneralException(unusable.getMessage() + "; " + e.getMessage()) : e;
        } catch (IOException e) {
            if (unusable != null) {
                throw unusable;
            }
            throw unreachable;
        }
    }

    /** OpenID Connect Discovery 1.0 §4: {@code <issuer>/.well-known/openid-configuration}. */
    static OIDCProviderMetadata oidc(HttpTransport http, Issuer issuer) throws GeneralException, IOException {
        URL url = OIDCProviderMetadata.resolveURL(issuer);
        OIDCProviderMetadata md;
        net.minidev.json.JSONObject json = null;
        try {
            json = fetch(http, url, "OpenID Provider");
            md = OIDCProviderMetadata.parse(json);
        } catch (ParseException e) {
            throw new GeneralException("OpenID Provider metadata of " + issuer + " is malformed: " + why(json, e));
        }
        checkIssuer(issuer, md.getIssuer());
        return md;
    }

    /** RFC 8414 §3 as Nimbus resolves it, for OAuth-only servers. */
    static AuthorizationServerMetadata oauth(HttpTransport http, Issuer issuer) throws GeneralException, IOException {
        URL url = AuthorizationServerMetadata.resolveURL(issuer);
        AuthorizationServerMetadata md;
        net.minidev.json.JSONObject json = null;
        try {
            json = fetch(http, url, "authorization server");
            md = AuthorizationServerMetadata.parse(json);
        } catch (ParseException e) {
            throw new GeneralException("authorization server metadata of " + issuer + " is malformed: "
                    + why(json, e));
        }
        checkIssuer(issuer, md.getIssuer());
        return md;
    }

    private static net.minidev.json.JSONObject fetch(HttpTransport http, URL url, String what)
            throws IOException, ParseException {
        HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, url);
        request.setAccept("application/json");
        HTTPResponse response = http.send(request);
        if (response.getStatusCode() != 200) {
            throw new IOException("couldn't download " + what + " metadata from " + url + ": HTTP "
                    + response.getStatusCode());
        }
        return response.getBodyAsJSONObject();
    }

    // OpenID Connect Discovery §4.3 and RFC 8414 §3.3: the document must name exactly the issuer it was fetched for.
    private static void checkIssuer(Issuer expected, Issuer actual) throws GeneralException {
        if (!expected.equals(actual)) {
            throw new GeneralException("the metadata names issuer " + actual + ", not " + expected);
        }
    }

    /**
     * Names the URL member that does not parse ({@code " https://…"}, say), since the parser's message names only the
     * value; otherwise the parser's first line.
     */
    private static String why(net.minidev.json.JSONObject json, ParseException e) {
        if (json == null) {
            return firstLine(e);
        }
        for (java.util.Map.Entry<String, Object> m : new java.util.TreeMap<>(json).entrySet()) {
            if ((m.getKey().endsWith("_endpoint") || m.getKey().endsWith("_uri")) && m.getValue() instanceof String s) {
                try {
                    new java.net.URI(s);
                } catch (java.net.URISyntaxException notUri) {
                    return m.getKey() + " is not a URL";
                }
            }
        }
        return firstLine(e);
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }
}
