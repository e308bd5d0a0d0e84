package dev.agentauth.core.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.JWTBearerGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.ServiceAccountKey;
import dev.agentauth.core.SigningKey;
import dev.agentauth.core.TokenRefusedException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.function.Function;

/**
 * JWT bearer grant (RFC 7523 §2.1) for Google-style service accounts: the agent signs an assertion with its
 * {@link ServiceAccountKey} ({@code kid} = private key id, RS256, {@code iss} = client e-mail, {@code aud} = the key's
 * {@code token_uri}, one hour at most) and trades it for an access token for scopes, or for an ID token for a target
 * audience. Stateless and thread-safe; blocks on HTTP. Assertions never reach a log or a message.
 */
final class JwtBearerGrantFlow {

    /** RFC 7523 §3 wants assertions short-lived; Google refuses more than an hour. */
    static final Duration ASSERTION_LIFETIME = Duration.ofHours(1);

    /** A provider clock further off than this explains a refused assertion (iat/exp out of its window). */
    static final Duration CLOCK_TOLERANCE = Duration.ofMinutes(5);

    /** An access token for {@code scopes}. Google reads scopes from the assertion, RFC 7523 servers from the form. */
    IssuedTokens accessToken(ProviderClient client, Scopes scopes, Principal principal, Instant now) {
        JWTClaimsSet.Builder claims = baseClaims(client.provider(), now);
        if (!scopes.isEmpty()) {
            claims.claim("scope", scopes.join(" "));
        }
        return send(client, claims.build(), scopes, principal, now, r -> client.parseTokenResponse(r, principal));
    }

    /** An OpenID Connect ID token whose audience is {@code audience} (Google's {@code target_audience}). */
    IssuedTokens idToken(ProviderClient client, String audience, Principal principal, Instant now) {
        JWTClaimsSet claims = baseClaims(client.provider(), now).claim("target_audience", audience).build();
        return send(client, claims, null, principal, now, r -> client.parseIdTokenResponse(r, principal));
    }

    private static JWTClaimsSet.Builder baseClaims(Provider provider, Instant now) {
        ServiceAccountKey key = provider.serviceAccountKey().orElseThrow();
        // No sub: as Google's own libraries do; a sub asks for domain-wide delegation to that user.
        return new JWTClaimsSet.Builder()
                .issuer(key.clientEmail())
                .audience(key.tokenUri().toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)));
    }

    /** Signs {@code claims} with the service account's key: RS256, {@code kid} = private key id (RFC 7515 §4.1.4). */
    static SignedJWT sign(Provider provider, JWTClaimsSet claims) {
        SigningKey key = provider.serviceAccountKey().orElseThrow().signingKey();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
                .keyID(key.keyId().orElse(null)).build(), claims);
        try {
            jwt.sign(new RSASSASigner(key.privateKey()));
        } catch (JOSEException e) {
            throw new ConfigurationException("provider '" + provider.id() + "': cannot sign with the service-account"
                    + " key (" + e.getClass().getSimpleName() + "); load the key file again", provider.id(), null);
        }
        return jwt;
    }

    private IssuedTokens send(ProviderClient client, JWTClaimsSet claims, Scopes scopes, Principal principal,
                              Instant now, Function<HTTPResponse, IssuedTokens> parse) {
        JWTBearerGrant grant = new JWTBearerGrant(sign(client.provider(), claims));
        URI endpoint = client.endpoints().token();
        ClientAuthentication auth = client.clientAuthentication();
        TokenRequest.Builder builder = auth != null
                ? new TokenRequest.Builder(endpoint, auth, grant)
                : new TokenRequest.Builder(endpoint, grant);
        if (scopes != null && !scopes.isEmpty()) {
            builder.scope(new Scope(scopes.values().toArray(String[]::new)));
        }
        HTTPRequest request = builder.build().toHTTPRequest();
        HTTPResponse response = client.executeTokenRequest(request, principal);
        try {
            return parse.apply(response);
        } catch (TokenRefusedException e) {
            throw explain(client, e, response, now, principal);
        }
    }

    /**
     * A refused assertion has two usual causes, and the provider's answer rarely says which: a key that was deleted or
     * disabled, or a clock so far off that {@code iat}/{@code exp} fall outside the provider's window. The HTTP
     * {@code Date} of the answer tells the second apart.
     */
    private static TokenRefusedException explain(ProviderClient client, TokenRefusedException e, HTTPResponse response,
                                                 Instant now, Principal principal) {
        if (!"invalid_grant".equals(e.oauthError()) && !"invalid_client".equals(e.oauthError())) {
            return e;
        }
        ServiceAccountKey key = client.provider().serviceAccountKey().orElseThrow();
        Duration offset = serverClockOffset(response, now);
        String next;
        if (offset != null && offset.abs().compareTo(CLOCK_TOLERANCE) > 0) {
            next = "; this machine's clock is " + describe(offset.abs()) + (offset.isNegative() ? " ahead of" : " behind")
                    + " the provider's (HTTP Date), so the assertion's iat/exp are outside its window: fix the clock"
                    + " (NTP) or the broker's Clock";
        } else {
            next = "; key " + key.privateKeyId() + " of " + key.clientEmail() + " may have been deleted or disabled, or"
                    + " belong to another project: create a new key (IAM > Service accounts > Keys) and load it";
        }
        return new TokenRefusedException(e.getMessage() + next, client.id(), principal, e.oauthError());
    }

    static Duration serverClockOffset(HTTPResponse response, Instant now) {
        String date = response.getHeaderValue("Date");
        if (date == null) {
            return null;
        }
        try {
            Instant server = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Duration.between(now, server);
        } catch (DateTimeParseException ignored) {
            return null;
        }
    }

    private static String describe(Duration d) {
        return d.toHours() > 0 ? d.toHours() + " h " + d.toMinutesPart() + " min" : d.toMinutes() + " min";
    }
}
