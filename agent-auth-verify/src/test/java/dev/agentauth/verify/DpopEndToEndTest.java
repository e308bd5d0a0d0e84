package dev.agentauth.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPTokenRequestVerifier;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.testing.TestIssuer;
import dev.agentauth.verify.BearerTokenFilter;
import dev.agentauth.verify.ProtectedResourceMetadata;
import dev.agentauth.verify.TokenVerifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DPoP (RFC 9449) both ways, over real HTTP: the broker's client obtains a DPoP-bound token from an authorization
 * server that requires a nonce and binds tokens to the proof's key (its token endpoint verifies the proofs with
 * Nimbus's {@code DPoPTokenRequestVerifier}), and presents it to a JDK server protected by {@link BearerTokenFilter},
 * which accepts the bound token with a fresh proof and refuses it without one, as a bearer token, with a replayed
 * proof, or with a proof for another URL or method.
 */
class DpopEndToEndTest {

    static TestIssuer issuer;
    static dev.agentauth.core.testing.DpopAuthorizationServer as;
    static HttpServer rs;
    static String asBase;
    static String rsBase;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        issuer = TestIssuer.start();
        as = dev.agentauth.core.testing.DpopAuthorizationServer.start(issuer, "weather-mcp");
        asBase = as.tokenEndpoint().toString().replace("/token", "");

        rs = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        rsBase = "http://127.0.0.1:" + rs.getAddress().getPort();
        TokenVerifier verifier = TokenVerifier.builder().issuer(issuer.issuer()).audience("weather-mcp").build();
        BearerTokenFilter.create(verifier, ProtectedResourceMetadata.of(rsBase + "/mcp", issuer.issuer()))
                .protect(rs, "/mcp", ex -> respond(ex, 200, "ok"));
        rs.start();
    }

    @org.junit.jupiter.api.BeforeEach
    void reset() {
        as.requests.set(0);
        as.proofs.clear();
    }

    @AfterAll
    static void stop() {
        as.close();
        rs.stop(0);
        issuer.close();
    }

    @Test
    void aBoundTokenIsAcceptedWithAFreshProofAndRefusedWithoutOne() throws Exception {
        try (TokenBroker broker = TokenBroker.builder().eagerDiscovery(false)
                .provider(Provider.oauth2("as").tokenEndpoint(asBase + "/token").clientId("client")
                        .clientSecret("s3cret").dpop(true).build()).build()) {
            TokenResult r = broker.token(TokenRequest.builder().provider("as").principal(Principal.agent("bot"))
                    .flow(dev.agentauth.core.Flow.CLIENT_CREDENTIALS).build());
            AccessToken token = ((TokenResult.Granted) r).token();

            // The token endpoint asked for a nonce once; both requests carried a proof, the second with the nonce.
            assertThat(as.requests.get()).isEqualTo(2);
            assertThat(as.proofs).doesNotContain("null");
            assertThat(token.tokenType()).isEqualTo("DPoP");
            assertThat(token.dpop()).isPresent();
            assertThat(token.authorizationHeader()).startsWith("DPoP ");
            assertThat(token.toString()).doesNotContain(token.value());
            JWK key = SignedJWT.parse(as.proofs.get(1)).getHeader().getJWK();
            assertThat(key.isPrivate()).isFalse();

            URI mcp = URI.create(rsBase + "/mcp");
            String proof = token.dpopProof("POST", mcp);
            HttpResponse<String> first = send("POST", mcp, token.authorizationHeader(), proof);
            assertThat(first.statusCode()).as(first.headers().map() + " " + first.body()).isEqualTo(200);

            // The same proof again: a replay.
            HttpResponse<String> replay = send("POST", mcp, token.authorizationHeader(), proof);
            assertThat(replay.statusCode()).isEqualTo(401);
            assertThat(replay.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .startsWith("DPoP").contains("invalid_dpop_proof").contains("ES256");

            // No proof at all.
            assertThat(send("POST", mcp, token.authorizationHeader(), null).statusCode()).isEqualTo(401);
            // The bound token as a bearer token.
            HttpResponse<String> bearer = send("POST", mcp, "Bearer " + token.value(), null);
            assertThat(bearer.statusCode()).isEqualTo(401);
            assertThat(bearer.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("DPoP")
                    .contains("invalid_token");
            // A proof for another URL, and for another method.
            assertThat(send("POST", mcp, token.authorizationHeader(),
                    token.dpopProof("POST", URI.create(rsBase + "/other"))).statusCode()).isEqualTo(401);
            assertThat(send("POST", mcp, token.authorizationHeader(), token.dpopProof("GET", mcp)).statusCode())
                    .isEqualTo(401);
            // A proof of another key (a stolen token, replayed with the thief's own key).
            try (TokenBroker other = TokenBroker.builder().eagerDiscovery(false)
                    .provider(Provider.oauth2("as").tokenEndpoint(asBase + "/token").clientId("client")
                            .clientSecret("s3cret").dpop(true).build()).build()) {
                AccessToken theirs = ((TokenResult.Granted) other.token(TokenRequest.builder().provider("as")
                        .principal(Principal.agent("bot")).flow(dev.agentauth.core.Flow.CLIENT_CREDENTIALS).build()))
                        .token();
                String foreignProof = theirs.dpop().orElseThrow().proof("POST", mcp, token);
                assertThat(send("POST", mcp, token.authorizationHeader(), foreignProof).statusCode()).isEqualTo(401);
            }
            // And a fresh proof still works.
            assertThat(send("POST", mcp, token.authorizationHeader(), token.dpopProof("POST", mcp)).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void noLogLineCarriesTheTokenTheProofOrThePrivateKey() throws Exception {
        try (dev.agentauth.core.testing.LogCapture logs = dev.agentauth.core.testing.LogCapture.everything();
             TokenBroker broker = TokenBroker.builder().eagerDiscovery(false)
                     .provider(Provider.oauth2("as").tokenEndpoint(asBase + "/token").clientId("client")
                             .clientSecret("s3cret").dpop(true).build()).build()) {
            AccessToken token = ((TokenResult.Granted) broker.token(TokenRequest.builder().provider("as")
                    .principal(Principal.agent("bot")).flow(dev.agentauth.core.Flow.CLIENT_CREDENTIALS).build()))
                    .token();
            URI mcp = URI.create(rsBase + "/mcp");
            String proof = token.dpopProof("POST", mcp);
            send("POST", mcp, token.authorizationHeader(), proof);
            send("POST", mcp, token.authorizationHeader(), proof); // refused: a replay, logged at DEBUG
            send("POST", mcp, "Bearer " + token.value(), null);
            String privateKey = SignedJWT.parse(as.proofs.get(as.proofs.size() - 1)).getHeader()
                    .getJWK().toJSONObject().get("x").toString(); // public part: the private "d" never leaves
            assertThat(logs.eventCount()).isPositive();
            for (String line : logs.allLines()) {
                assertThat(line).doesNotContain(token.value()).doesNotContain(proof).doesNotContain("\"d\":")
                        .doesNotContain("s3cret");
            }
            assertThat(token.dpop().orElseThrow().toString()).doesNotContain(privateKey);
        }
    }

    @Test
    void aRequestWithoutTokenIsOfferedBothSchemes() throws Exception {
        HttpResponse<String> r = send("POST", URI.create(rsBase + "/mcp"), null, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer")
                .contains("DPoP").contains("algs=");
    }

    private static HttpResponse<String> send(String method, URI uri, String authorization, String proof)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.ofString("{}"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (proof != null) {
            b.header("DPoP", proof);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", body.startsWith("{") ? "application/json" : "text/plain");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

}
