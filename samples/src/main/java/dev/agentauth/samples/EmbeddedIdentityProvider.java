package dev.agentauth.samples;

import java.net.InetAddress;
import java.net.UnknownHostException;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;

/**
 * The demo's identity provider: mock-oauth2-server on 127.0.0.1, with a login page where any user name signs in. Real
 * OAuth 2.0 and OpenID Connect (discovery, PKCE, signed JWTs, refresh, revocation), no accounts, no internet.
 */
public final class EmbeddedIdentityProvider implements AutoCloseable {

    private final MockOAuth2Server server;

    private EmbeddedIdentityProvider(MockOAuth2Server server) {
        this.server = server;
    }

    /** Starts on a random free port. */
    public static EmbeddedIdentityProvider start() {
        return start(0);
    }

    /** Starts on {@code port} (0 for a random free one). */
    public static EmbeddedIdentityProvider start(int port) {
        MockOAuth2Server server = new MockOAuth2Server(new OAuth2Config(true, null, null, true));
        try {
            server.start(InetAddress.getByName("127.0.0.1"), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        return new EmbeddedIdentityProvider(server);
    }

    /** The issuer URL; the broker discovers everything else from it. */
    public String issuer() {
        return server.issuerUrl("demo").toString();
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
