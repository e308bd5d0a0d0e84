package dev.agentauth.core.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A minimal token issuer on 127.0.0.1 with generated RSA and EC keys: RFC 8414 metadata naming its {@code jwks_uri}, and
 * the JWKS itself, which tests can rotate or take down. Counts JWKS fetches. Tokens are signed in-process by Nimbus.
 */
public final class TestIssuer implements AutoCloseable {

    private final HttpServer server;
    private final List<JWK> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private volatile boolean jwksDown;
    public final RSAKey rsa = TestKeys.rsa("rsa-1");
    public final ECKey ec = TestKeys.ec("ec-1");

    private TestIssuer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        server.createContext("/.well-known/oauth-authorization-server", ex -> respond(ex, 200,
                "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + issuer() + "/jwks\",\"token_endpoint\":\""
                        + issuer() + "/token\"}"));
        server.createContext("/jwks", ex -> {
            jwksFetches.incrementAndGet();
            if (jwksDown) {
                respond(ex, 503, "{\"error\":\"unavailable\"}");
            } else {
                respond(ex, 200, new JWKSet(List.copyOf(published)).toPublicJWKSet().toString());
            }
        });
        server.start();
        published.add(rsa);
        published.add(ec);
    }

    public static TestIssuer start() {
        try {
            return new TestIssuer();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int jwksFetches() {
        return jwksFetches.get();
    }

    public void jwksDown(boolean down) {
        this.jwksDown = down;
    }

    /** Publishes another key (rotation). */
    public void publish(JWK key) {
        published.add(key);
    }

    /** Standard claims: this issuer, {@code aud}, {@code sub} alice, valid from now for 10 minutes. */
    public JWTClaimsSet.Builder claims(String audience, Instant now) {
        return new JWTClaimsSet.Builder().issuer(issuer()).subject("alice").audience(audience)
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600))).claim("client_id", "agent");
    }

    public static String sign(JWK key, JWTClaimsSet claims) {
        return sign(key, claims, h -> { });
    }

    /** Signs with {@code key} (RS256 for RSA, ES256 for EC), {@code kid} from the key; {@code header} may adjust. */
    public static String sign(JWK key, JWTClaimsSet claims, Consumer<JWSHeader.Builder> header) {
        try {
            boolean rsa = key instanceof RSAKey;
            JWSHeader.Builder h = new JWSHeader.Builder(rsa ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256)
                    .keyID(key.getKeyID()).type(JOSEObjectType.JWT);
            header.accept(h);
            SignedJWT jwt = new SignedJWT(h.build(), claims);
            jwt.sign(rsa ? new RSASSASigner((RSAKey) key) : new ECDSASigner((ECKey) key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        try (ex) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
