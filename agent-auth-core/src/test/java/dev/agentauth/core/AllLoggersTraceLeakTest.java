package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.FaultProxy;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.core.testing.TestKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every logger of the JVM at TRACE — the project's, the libraries', and the JDK's own (HTTP client and server,
 * bridged from {@code java.util.logging}) — while the broker runs every flow: machine-to-machine, API key, consent
 * with the loopback callback, refresh with rotation, JWT bearer, self-signed JWT, ID token, token exchange and
 * revocation: no client secret
 * (nor its Basic form), token, refresh token, authorization code, PKCE verifier, state, API key or private key
 * appears in any line.
 */
class AllLoggersTraceLeakTest {

    static final String CLIENT_SECRET = "trace-client-secret-value-7";
    static final String API_KEY = "trace-api-key-value-that-must-not-leak";

    @Test
    void everyFlowWhenEveryLoggerAtTraceThenNoSecretInAnyLine() throws Exception {
        Set<String> secrets = new LinkedHashSet<>(List.of(CLIENT_SECRET, API_KEY,
                Base64.getEncoder().encodeToString(("trace-agent:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8))));
        MutableClock clock = MutableClock.now();
        ScriptedBrowser browser = new ScriptedBrowser();
        TokenStore store = TokenStore.inMemory();
        RSAKey saKey = TestKeys.rsa("0011223344556677889900112233445566778899");
        secrets.add(TestKeys.pemBody(TestKeys.privateKey(saKey)).substring(0, 40));
        List<String> lines;
        int events;
        try (LogCapture logs = LogCapture.everything();
             TestIdp idp = TestIdp.start(true);
             FaultProxy proxy = FaultProxy.to(URI.create(idp.issuer()))) {
            String saJson = TestKeys.serviceAccountJson(saKey, "tracer@agent-auth-test.iam.gserviceaccount.com",
                    idp.tokenEndpoint());
            String idJson = TestKeys.serviceAccountJson(saKey, "tracer@agent-auth-test.iam.gserviceaccount.com",
                    proxy.url(URI.create(idp.tokenEndpoint()).getPath()));
            try (TokenBroker broker = TokenBroker.builder()
                    .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("trace-agent")
                            .clientSecret(CLIENT_SECRET).defaultScopes("openid").build())
                    .provider(Provider.oauth2("corp-obo").issuer(idp.issuer()).clientId("trace-obo")
                            .clientSecret(CLIENT_SECRET).build())
                    .provider(Provider.apiKey("weather").apiKey(Secret.of(API_KEY)).build())
                    .provider(Provider.serviceAccount("gcp", ServiceAccountKey.fromJson(saJson)).build())
                    .provider(Provider.serviceAccount("gcp-id", ServiceAccountKey.fromJson(idJson)).build())
                    .tokenStore(store).clock(clock).loopbackCallback().build()) {
                // M2M and API key
                secrets.add(broker.tokenOrThrow(TokenRequest.forAgent("corp", "reports")).value());
                broker.tokenOrThrow(TokenRequest.builder().provider("weather").principal(Principal.agent("a"))
                        .flow(Flow.API_KEY).build());

                // consent through the loopback callback (the JDK's HTTP server)
                TokenRequest request = TokenRequest.forUser("corp", "alice", "repo");
                ConsentRequirement consent = ((TokenResult.ConsentRequired) broker.token(request)).consent();
                Map<String, List<String>> query = URLUtils.parseParameters(consent.authorizationUri().getRawQuery());
                secrets.add(query.get("state").get(0));
                secrets.add(store.findConsent(consent.id()).orElseThrow().codeVerifier());
                URI callback = browser.signIn(consent.authorizationUri(), "alice");
                secrets.add(URLUtils.parseParameters(callback.getRawQuery()).get("code").get(0));
                assertThat(browser.get(callback).statusCode()).isEqualTo(200);
                secrets.add(broker.consentCompletion(consent.id()).join().value());
                GrantKey alice = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "alice", GrantKey.SHARED, "");
                secrets.add(store.find(alice).orElseThrow().refreshToken());

                // refresh, rotating the refresh token
                clock.advance(Duration.ofHours(2));
                secrets.add(broker.tokenOrThrow(request).value());
                secrets.add(store.find(alice).orElseThrow().refreshToken());

                // service account (JWT bearer) and token exchange
                secrets.add(broker.tokenOrThrow(TokenRequest.builder().provider("gcp").principal(Principal.agent("a"))
                        .flow(Flow.JWT_BEARER).scopes("cloud").build()).value());
                secrets.add(broker.tokenOrThrow(TokenRequest.builder().provider("corp-obo")
                        .principal(Principal.user("alice")).flow(Flow.TOKEN_EXCHANGE).subjectProvider("corp")
                        .audience("billing").build()).value());

                // self-signed JWT (no network) and ID token for a target audience (Google's answer, scripted)
                secrets.add(broker.tokenOrThrow(TokenRequest.builder().provider("gcp").principal(Principal.agent("a"))
                        .flow(Flow.SELF_SIGNED_JWT).audience("https://pubsub.example").build()).value());
                String idToken = idp.server().issueToken(TestIdp.ISSUER_ID, "tracer", "https://run.example")
                        .serialize();
                proxy.next(FaultProxy.json(200, "{\"id_token\":\"" + idToken + "\"}"));
                secrets.add(broker.tokenOrThrow(TokenRequest.builder().provider("gcp-id")
                        .principal(Principal.agent("a")).flow(Flow.ID_TOKEN).audience("https://run.example").build())
                        .value());

                // revocation (RFC 7009)
                assertThat(broker.disconnectAll("alice")).isEqualTo(2);
            }
            lines = logs.allLines();
            events = logs.eventCount();
        }

        assertThat(events).as("the capture saw the run (TRACE on every logger)").isGreaterThan(50);
        assertThat(lines).as("lines of the JDK's own loggers were captured too")
                .anyMatch(l -> !l.startsWith("dev.agentauth") && !l.startsWith("no.nav") && !l.startsWith("io."));
        for (String line : lines) {
            if (LogCapture.notTheProject(line)) {
                continue;
            }
            for (String secret : secrets) {
                assertThat(line).as("a log line contains a secret").doesNotContain(secret);
            }
        }
    }
}
