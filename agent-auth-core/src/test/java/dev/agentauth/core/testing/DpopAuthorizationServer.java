package dev.agentauth.core.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPTokenRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InMemoryDPoPSingleUseChecker;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token endpoint that issues DPoP-bound access tokens (RFC 9449 §5), for tests: it answers the client credentials
 * grant, verifies the request's DPoP proof with Nimbus's {@link DPoPTokenRequestVerifier} (after asking for a nonce
 * once, §8), and signs a JWT with {@code cnf.jkt} = the proof key's thumbprint with the {@link TestIssuer}'s key, so
 * the issuer's JWKS verifies it. Every token request's proof is recorded.
 */
public final class DpopAuthorizationServer implements AutoCloseable {

    public static final String NONCE = "as-nonce-1";

    private final HttpServer server;
    public final List<String> proofs = new CopyOnWriteArrayList<>();
    public final AtomicInteger requests = new AtomicInteger();

    private DpopAuthorizationServer(TestIssuer issuer, String audience) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        DPoPTokenRequestVerifier verifier = new DPoPTokenRequestVerifier(Set.of(JWSAlgorithm.ES256), tokenEndpoint(),
                60, 60, new InMemoryDPoPSingleUseChecker(60, 60));
        server.createContext("/token", ex -> {
            requests.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            String proof = ex.getRequestHeaders().getFirst("DPoP");
            proofs.add(String.valueOf(proof));
            try {
                SignedJWT jwt = SignedJWT.parse(proof);
                if (!NONCE.equals(jwt.getJWTClaimsSet().getStringClaim("nonce"))) {
                    ex.getResponseHeaders().set("DPoP-Nonce", NONCE);
                    respond(ex, 400, "{\"error\":\"use_dpop_nonce\"}");
                    return;
                }
                var confirmation = verifier.verify(new DPoPIssuer("client"), jwt, new Nonce(NONCE));
                String token = TestIssuer.sign(issuer.rsa, issuer.claims(audience, Instant.now())
                        .subject("dpop-agent").claim("cnf", Map.of("jkt", confirmation.getValue().toString()))
                        .build());
                respond(ex, 200, "{\"access_token\":\"" + token + "\",\"token_type\":\"DPoP\",\"expires_in\":300}");
            } catch (Exception e) {
                respond(ex, 400, "{\"error\":\"invalid_dpop_proof\"}");
            }
        });
        server.start();
    }

    /** A server issuing tokens of {@code issuer} for {@code audience}. */
    public static DpopAuthorizationServer start(TestIssuer issuer, String audience) {
        try {
            return new DpopAuthorizationServer(issuer, audience);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public URI tokenEndpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
