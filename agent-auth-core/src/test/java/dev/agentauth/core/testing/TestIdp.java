package dev.agentauth.core.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A real OAuth 2.0 / OpenID Connect server (mock-oauth2-server) on a random 127.0.0.1 port, for tests. It issues real
 * signed JWTs, runs discovery, authorization code with PKCE, client credentials, refresh (optionally rotating) and
 * RFC 7009 revocation. Every request it receives is recorded, so tests can count token-endpoint calls.
 */
public final class TestIdp implements AutoCloseable {

    public static final String ISSUER_ID = "default";

    private final MockOAuth2Server server;

    private TestIdp(MockOAuth2Server server) {
        this.server = server;
    }

    /** An IdP with an interactive login page (username = subject), no refresh token rotation. */
    public static TestIdp start() {
        return start(false);
    }

    /** An IdP with an interactive login page; {@code rotateRefreshTokens} makes every refresh issue a new refresh token. */
    public static TestIdp start(boolean rotateRefreshTokens) {
        MockOAuth2Server server = new MockOAuth2Server(new OAuth2Config(true, null, null, rotateRefreshTokens));
        try {
            server.start(InetAddress.getByName("127.0.0.1"), 0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        return new TestIdp(server);
    }

    public MockOAuth2Server server() {
        return server;
    }

    /** The issuer URL, for OIDC discovery. */
    public String issuer() {
        return server.issuerUrl(ISSUER_ID).toString();
    }

    public String tokenEndpoint() {
        return server.tokenEndpointUrl(ISSUER_ID).toString();
    }

    public String authorizationEndpoint() {
        return server.authorizationEndpointUrl(ISSUER_ID).toString();
    }

    public String revocationEndpoint() {
        return server.revocationEndpointUrl(ISSUER_ID).toString();
    }

    /** Removes and returns every request recorded so far. */
    public List<RecordedRequest> drainRequests() {
        List<RecordedRequest> out = new ArrayList<>();
        while (true) {
            RecordedRequest r;
            try {
                r = server.takeRequest(50, TimeUnit.MILLISECONDS);
            } catch (RuntimeException empty) {
                return out; // "no request found in queue within timeout"
            }
            if (r == null) {
                return out;
            }
            out.add(r);
        }
    }

    /** Removes recorded requests and counts those to the token endpoint. */
    public long drainTokenRequests() {
        return drainRequests().stream().filter(r -> r.getPath() != null && r.getPath().contains("/token")).count();
    }

    /** The recorded requests to the token endpoint, removing everything recorded. */
    public List<RecordedRequest> drainTokenRequestList() {
        return drainRequests().stream().filter(r -> r.getPath() != null && r.getPath().contains("/token")).toList();
    }

    /**
     * The claims of {@code token} once it checks out as a resource server of {@code audience} would check it: signed
     * (RS256) by a key in this server's JWKS, {@code iss} this issuer, {@code aud} containing {@code audience}, not
     * expired. (The project's own {@code TokenVerifier} is tested in {@code agent-auth-verify}; the broker's tests need
     * only to know the token is the real thing.)
     */
    public JWTClaimsSet verify(String token, String audience) throws Exception {
        JWKSet keys = JWKSet.load(server.jwksUrl(ISSUER_ID).url());
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, new ImmutableJWKSet<>(keys)));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer(issuer()).build(), Set.of("sub", "exp")));
        return processor.process(token, null);
    }

    public URI uri(String path) {
        return URI.create(server.baseUrl().toString()).resolve(path);
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
