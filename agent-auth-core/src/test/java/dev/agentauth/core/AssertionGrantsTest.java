package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.testing.TestIdp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workload identity ({@link Flow#WORKLOAD_IDENTITY}) and enterprise-managed authorization
 * ({@link Flow#IDENTITY_ASSERTION}) against a real authorization server (mock-oauth2-server's JWT bearer grant): the
 * assertion is read anew for every token request, and the user's ID token becomes an identity assertion at the
 * enterprise identity provider before it is redeemed.
 */
class AssertionGrantsTest {

    TestIdp idp;
    HttpServer enterprise;
    final List<Map<String, List<String>>> exchanges = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        idp = TestIdp.start();
    }

    @AfterEach
    void stop() {
        idp.close();
        if (enterprise != null) {
            enterprise.stop(0);
        }
    }

    String workloadJwt(String subject) {
        return idp.server().issueToken(TestIdp.ISSUER_ID, subject, idp.issuer()).serialize();
    }

    @Test
    void workloadIdentityWhenTheTokenFileRotatesThenTheNextRenewalSendsTheNewAssertion(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("token");
        String first = workloadJwt("system:serviceaccount:agents:reporter");
        Files.writeString(file, first + "\n");
        try (TokenBroker broker = TokenBroker.builder().eagerDiscovery(false)
                .provider(Provider.oauth2("wif").tokenEndpoint(idp.tokenEndpoint()).clientId("reporter")
                        .workloadIdentity(AssertionSource.file(file)).build()).build()) {
            TokenRequest request = TokenRequest.builder().provider("wif").principal(Principal.agent("reporter"))
                    .flow(Flow.WORKLOAD_IDENTITY).scopes("reports.read").build();
            AccessToken token = broker.tokenOrThrow(request);
            assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getSubject())
                    .isEqualTo("system:serviceaccount:agents:reporter");
            Map<String, List<String>> sent = form(idp.drainTokenRequestList().get(0));
            assertThat(sent.get("grant_type")).containsExactly("urn:ietf:params:oauth:grant-type:jwt-bearer");
            assertThat(sent.get("assertion")).containsExactly(first);
            assertThat(sent).doesNotContainKey("client_secret");

            // The platform rotates the token; the next token request (here: the API refused the old one) reads it.
            String second = workloadJwt("system:serviceaccount:agents:reporter");
            Files.writeString(file, second);
            broker.reportRejected(request, token);
            broker.tokenOrThrow(request);
            assertThat(form(idp.drainTokenRequestList().get(0)).get("assertion")).containsExactly(second);

            // Gone: a typed error that names the file, not its content.
            Files.delete(file);
            AccessToken current = broker.tokenOrThrow(request);
            MissingCredentialException e = catchThrowableOfType(() -> broker.reportRejected(request, current),
                    MissingCredentialException.class);
            assertThat(e.getMessage()).contains(file.toString()).doesNotContain(second);
        }
    }

    @Test
    void assertionSourcesReadACommandsOutputAndAUrlsBodyAndFailTypedWithoutLeaking(@TempDir Path dir)
            throws Exception {
        String jwt = workloadJwt("ci-job");
        Path script = dir.resolve("oidc-token.sh");
        Files.writeString(script, "#!/bin/sh\necho '" + jwt + "'\necho 'noise on stderr' >&2\n");
        script.toFile().setExecutable(true);
        assertThat(AssertionSource.command(List.of(script.toString())).assertion(Principal.agent("ci")))
                .isEqualTo(jwt);
        MissingCredentialException failed = catchThrowableOfType(() -> AssertionSource.command(
                List.of("sh", "-c", "echo " + jwt + "; exit 3")).assertion(Principal.agent("ci")),
                MissingCredentialException.class);
        assertThat(failed.getMessage()).contains("exit 3").doesNotContain(jwt);

        HttpServer ci = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 4);
        ci.createContext("/token", ex -> {
            boolean authorized = "Bearer request-token".equals(ex.getRequestHeaders().getFirst("Authorization"));
            byte[] body = (authorized ? jwt : "denied").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(authorized ? 200 : 403, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        ci.start();
        try {
            java.net.URI url = java.net.URI.create("http://127.0.0.1:" + ci.getAddress().getPort() + "/token");
            assertThat(AssertionSource.url(url, "Authorization", "Bearer request-token")
                    .assertion(Principal.agent("ci"))).isEqualTo(jwt);
            MissingCredentialException denied = catchThrowableOfType(() -> AssertionSource.url(url)
                    .assertion(Principal.agent("ci")), MissingCredentialException.class);
            assertThat(denied.getMessage()).contains("HTTP 403").doesNotContain("request-token");
        } finally {
            ci.stop(0);
        }
    }

    @Test
    void identityAssertionWhenTheEnterpriseIdpIssuesAnIdJagThenTheUserGetsTheAuthorizationServersToken()
            throws Exception {
        // The enterprise IdP: RFC 8693 with requested_token_type id-jag, answering with an identity assertion JWT.
        enterprise = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 8);
        enterprise.createContext("/token", ex -> {
            Map<String, List<String>> form = URLUtils.parseParameters(
                    new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchanges.add(form);
            String subject = SignedJWT.class.getSimpleName(); // replaced below
            try {
                subject = SignedJWT.parse(form.get("subject_token").get(0)).getJWTClaimsSet().getSubject();
            } catch (java.text.ParseException ignored) {
                // answered as invalid below
            }
            String jag = idp.server().issueToken(TestIdp.ISSUER_ID, subject, idp.issuer()).serialize();
            byte[] body = ("{\"access_token\":\"" + jag + "\",\"issued_token_type\":"
                    + "\"urn:ietf:params:oauth:token-type:id-jag\",\"token_type\":\"N_A\",\"expires_in\":300}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        enterprise.start();
        String idpToken = "http://127.0.0.1:" + enterprise.getAddress().getPort() + "/token";
        String aliceIdToken = idp.server().issueToken(TestIdp.ISSUER_ID, "alice@corp.example", "agent").serialize();
        try (TokenBroker broker = TokenBroker.builder().eagerDiscovery(false)
                .provider(Provider.oauth2("enterprise-idp").tokenEndpoint(idpToken).clientId("agent")
                        .clientSecret("idp-secret").build())
                .provider(Provider.oauth2("docs").tokenEndpoint(idp.tokenEndpoint()).clientId("docs-agent")
                        .clientSecret("docs-secret").resource(java.net.URI.create("https://docs.example/mcp"))
                        .identityAssertionAudience(idp.issuer())
                        .identityAssertion("enterprise-idp", AssertionSource.of(p ->
                                p.user().equals("alice") ? aliceIdToken : null)).build())
                .build()) {
            AccessToken token = broker.tokenOrThrow(TokenRequest.builder().provider("docs")
                    .principal(Principal.user("alice")).flow(Flow.IDENTITY_ASSERTION).scopes("docs.read").build());

            assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getSubject()).isEqualTo("alice@corp.example");
            Map<String, List<String>> exchange = exchanges.get(0);
            assertThat(exchange.get("grant_type")).containsExactly("urn:ietf:params:oauth:grant-type:token-exchange");
            assertThat(exchange.get("subject_token")).containsExactly(aliceIdToken);
            assertThat(exchange.get("subject_token_type")).containsExactly("urn:ietf:params:oauth:token-type:id_token");
            assertThat(exchange.get("requested_token_type"))
                    .containsExactly("urn:ietf:params:oauth:token-type:id-jag");
            assertThat(exchange.get("audience")).containsExactly(idp.issuer());
            assertThat(exchange.get("resource")).containsExactly("https://docs.example/mcp");
            Map<String, List<String>> redeem = form(idp.drainTokenRequestList().get(0));
            assertThat(redeem.get("grant_type")).containsExactly("urn:ietf:params:oauth:grant-type:jwt-bearer");

            // A user the source has no ID token for: a typed error, and nothing sent.
            MissingCredentialException none = catchThrowableOfType(() -> broker.tokenOrThrow(TokenRequest.builder()
                    .provider("docs").principal(Principal.user("eve")).flow(Flow.IDENTITY_ASSERTION).build()),
                    MissingCredentialException.class);
            assertThat(none.getMessage()).contains("no user's ID token for", "eve");
            assertThat(exchanges).hasSize(1);

            // Cached for the user: no second exchange.
            broker.tokenOrThrow(TokenRequest.builder().provider("docs").principal(Principal.user("alice"))
                    .flow(Flow.IDENTITY_ASSERTION).scopes("docs.read").build());
            assertThat(exchanges).hasSize(1);
        }
    }

    @Test
    void identityAssertionWhenTheIdpAnswersAnotherTokenTypeThenATypedErrorAndNoRedemption() {
        // mock-oauth2-server implements RFC 8693 but issues access tokens, not identity assertions.
        String idToken = idp.server().issueToken(TestIdp.ISSUER_ID, "bob", "agent").serialize();
        try (TokenBroker broker = TokenBroker.builder().eagerDiscovery(false)
                .provider(Provider.oauth2("enterprise-idp").tokenEndpoint(idp.tokenEndpoint()).clientId("agent")
                        .clientSecret("idp-secret").build())
                .provider(Provider.oauth2("docs").tokenEndpoint(idp.tokenEndpoint()).clientId("docs-agent")
                        .clientSecret("docs-secret").identityAssertionAudience("https://as.example")
                        .identityAssertion("enterprise-idp", AssertionSource.of(p -> idToken)).build())
                .build()) {
            AgentAuthException e = catchThrowableOfType(() -> broker.tokenOrThrow(TokenRequest.builder()
                    .provider("docs").principal(Principal.user("bob")).flow(Flow.IDENTITY_ASSERTION).build()),
                    AgentAuthException.class);
            assertThat(e.getMessage()).contains("identity assertion").doesNotContain(idToken);
            assertThat(idp.drainTokenRequestList()).hasSize(1); // the exchange only
        }
    }

    private static Map<String, List<String>> form(RecordedRequest r) {
        return URLUtils.parseParameters(r.getBody().readUtf8());
    }
}
