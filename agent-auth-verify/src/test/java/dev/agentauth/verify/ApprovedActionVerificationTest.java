package dev.agentauth.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.rar.AuthorizationType;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Approval;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.testing.CibaDevice;
import dev.agentauth.core.testing.KeycloakServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The resource-server side of an approved action, end to end on a real Keycloak: an agent's broker gets a token its
 * user approved on their device for paying bob 42 EUR (OpenID CIBA, RFC 9396 details); the verifier exposes those
 * details; an API behind {@link BearerTokenFilter} and {@link AuthorizationDetailsFilter} accepts that payment and
 * refuses another one (mallory, or a larger amount) with the same token.
 */
class ApprovedActionVerificationTest {

    static AuthorizationDetail payment(String creditor, String amount) {
        return new AuthorizationDetail.Builder(new AuthorizationType("payment_initiation"))
                .field("instructedAmount", Map.of("currency", "EUR", "amount", amount))
                .field("creditorName", creditor).build();
    }

    @Test
    void approvedTokenWhenTheRequestIsTheApprovedActionThenAcceptedAndAnotherActionIsRefused() throws Exception {
        KeycloakServer keycloak = KeycloakServer.shared();
        keycloak.device().answer("PAY-42EUR-bob", CibaDevice.Decision.APPROVE);
        AccessToken token;
        try (TokenBroker broker = TokenBroker.builder().provider(Provider.oauth2("bank").issuer(keycloak.issuer())
                        .clientId("approval-agent").clientSecret("approval-secret").defaultScopes("openid")
                        .backchannelAuthentication(true).build())
                .expectedAccount((principal, provider) -> Optional.of(principal.user())).build()) {
            TokenResult result = broker.token(TokenRequest.builder().provider("bank").principal(Principal.user("alice"))
                    .approval(Approval.of("PAY-42EUR-bob", payment("bob", "42.00"))).build());
            ConsentRequirement consent = ((TokenResult.ConsentRequired) result).consent();
            token = broker.consentCompletion(consent.id()).get(30, TimeUnit.SECONDS);
        }

        TokenVerifier verifier = TokenVerifier.builder().issuer(keycloak.issuer()).audience("bank-api").build();
        VerifiedToken verified = verifier.verify(token.value());
        assertThat(verified.authorizationDetails()).containsExactly(payment("bob", "42.00"));
        assertThat(verified.covers(List.of(payment("bob", "42.00")))).isTrue();
        assertThat(verified.covers(List.of(payment("mallory", "42.00")))).isFalse();
        assertThat(verified.covers(List.of(payment("bob", "4200.00")))).isFalse();

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        try {
            // The API reads which payment a request asks for from its path: /payments/<creditor>/<amount>.
            BearerTokenFilter.create(verifier, null).protect(server, "/payments/", exchange -> {
                try (exchange) {
                    exchange.sendResponseHeaders(200, -1);
                }
            }).getFilters().add(AuthorizationDetailsFilter.requiring(exchange -> {
                String[] parts = exchange.getRequestURI().getPath().split("/");
                return List.of(payment(parts[2], parts[3]));
            }));
            server.start();
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/payments/";
            HttpResponse<String> approved = http.send(HttpRequest.newBuilder(URI.create(base + "bob/42.00"))
                    .header("Authorization", "Bearer " + token.value()).POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(base + "mallory/42.00"))
                    .header("Authorization", "Bearer " + token.value()).POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));

            assertThat(approved.statusCode()).isEqualTo(200);
            assertThat(other.statusCode()).isEqualTo(403);
            assertThat(other.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(h -> assertThat(h)
                    .contains("insufficient_scope"));
            assertThat(other.body()).doesNotContain(token.value());
        } finally {
            server.stop(0);
        }
    }
}
