package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.FlakyGateway;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Runs every flow, failures included, capturing every log line of the project's loggers, every exception message and
 * the {@code toString()} of every object involved, and checks that no token, refresh token, code, verifier, state or
 * secret appears in any of them. Here on the in-memory store; agent-auth-store-jdbc runs the same flows on the embedded
 * and PostgreSQL stores ({@link #everyFlowLeaksNothing}).
 */
public class SecretLeakTest {

    static final String CLIENT_SECRET = "very-secret-client-value-42";
    static final String API_KEY = "api-key-value-that-must-not-leak";

    @Test
    void fullFlowWhenEverythingLoggedAndPrintedThenNoSecretAppears() throws Exception {
        everyFlowLeaksNothing(TokenStore.inMemory(), List.of());
    }

    /**
     * Every flow on {@code store}: its own log lines, messages and {@code toString()} are checked too, and so is
     * {@code keyMaterial} (the store's keys), which must appear nowhere either. The broker closes {@code store}.
     */
    public static void everyFlowLeaksNothing(TokenStore store, Collection<String> keyMaterial) throws Exception {
        LogCapture logs = LogCapture.start();
        List<String> printed = new ArrayList<>();
        Set<String> secrets = new LinkedHashSet<>(List.of(CLIENT_SECRET, API_KEY));
        secrets.addAll(keyMaterial);
        MutableClock clock = MutableClock.now();
        List<AuditEvent> events = new CopyOnWriteArrayList<>();
        ScriptedBrowser browser = new ScriptedBrowser();
        String[] state = new String[1];

        try (TestIdp idp = TestIdp.start(true);
             FlakyGateway gateway = FlakyGateway.to(URI.create(idp.issuer()))) {
            Provider corp = Provider.oauth2("corp").issuer(idp.issuer()).clientId("agent")
                    .clientSecret(CLIENT_SECRET).defaultScopes("openid")
                    .tokenEndpoint(gateway.url(URI.create(idp.tokenEndpoint()).getPath())).build();
            Provider weather = Provider.apiKey("weather").apiKey(Secret.of(API_KEY)).build();
            printed.add(corp.toString());
            printed.add(weather.toString());
            printed.add(Secret.of(CLIENT_SECRET).toString());
            try (TokenBroker broker = TokenBroker.builder().provider(corp).provider(weather).clock(clock)
                    .tokenStore(store).loopbackCallback().auditListener(events::add).build()) {
                printed.add(broker.toString());

                // M2M
                AccessToken m2m = broker.tokenOrThrow(TokenRequest.forAgent("corp", "reports"));
                secrets.add(m2m.value());
                printed.add(m2m.toString());

                // API key
                AccessToken key = broker.tokenOrThrow(TokenRequest.builder().provider("weather")
                        .principal(Principal.user("alice")).flow(Flow.API_KEY).build());
                printed.add(key.toString());

                // user consent
                TokenRequest request = TokenRequest.forUser("corp", "alice", "repo");
                TokenResult required = broker.token(request);
                printed.add(required.toString());
                ConsentRequirement consent = ((TokenResult.ConsentRequired) required).consent();
                // The state travels in the authorization URL the UI shows, but is never logged.
                state[0] = URLUtils.parseParameters(consent.authorizationUri().getRawQuery()).get("state").get(0);
                PendingConsent pending = store.findConsent(consent.id()).orElseThrow();
                secrets.add(pending.codeVerifier());
                printed.add(pending.toString());
                printed.add(new ConsentRequiredException(consent).getMessage());
                URI callback = browser.signIn(consent.authorizationUri(), "alice");
                secrets.add(URLUtils.parseParameters(callback.getRawQuery()).get("code").get(0));
                assertThat(browser.get(callback).statusCode()).isEqualTo(200);
                AccessToken user = broker.consentCompletion(consent.id()).join();
                secrets.add(user.value());
                GrantKey key0 = new GrantKey(ProviderId.of("corp"), Flow.USER_CONSENT, "alice", GrantKey.SHARED, "");
                StoredGrant stored = store.find(key0).orElseThrow();
                secrets.add(stored.refreshToken());
                printed.add(stored.toString());
                printed.add(store.toString());
                printed.add(broker.grants("alice").toString());

                // replayed callback
                printed.add(broker.completeConsent(callback).toString());

                // refresh with rotation
                clock.advance(Duration.ofHours(2));
                AccessToken refreshed = broker.tokenOrThrow(request);
                secrets.add(refreshed.value());
                secrets.add(store.find(key0).orElseThrow().refreshToken());

                // provider failures
                clock.advance(Duration.ofHours(2));
                for (FlakyGateway.Mode mode : List.of(FlakyGateway.Mode.UNAVAILABLE, FlakyGateway.Mode.GARBAGE,
                        FlakyGateway.Mode.NON_JSON_ERROR)) {
                    gateway.mode(mode);
                    printed.add(describe(catchThrowable(() -> broker.token(request))));
                }
                gateway.mode(FlakyGateway.Mode.PASS);
                AccessToken again = broker.tokenOrThrow(request);
                secrets.add(again.value());
                secrets.add(store.find(key0).orElseThrow().refreshToken());
                printed.add(describe(catchThrowable(() -> broker.reportRejected(request, again))));

                // revoked refresh token → invalid_grant → consent
                RefreshTest.revokeAtProvider(idp, store.find(key0).orElseThrow().refreshToken());
                clock.advance(Duration.ofHours(2));
                printed.add(broker.token(request).toString());

                broker.disconnectAll("alice");
                events.forEach(e -> printed.add(e.toString()));
            }
        } finally {
            logs.close();
        }

        List<String> logLines = logs.projectLines();
        assertThat(logLines).as("the flows logged something").hasSizeGreaterThan(10);
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(10).doesNotContainNull();
        assertThat(logLines).as("log lines").noneMatch(line -> line != null && line.contains(state[0]));
        for (String secret : secrets) {
            assertThat(logLines).as("log lines").noneMatch(line -> line != null && line.contains(secret));
            assertThat(printed).as("toString and messages").noneMatch(s -> s != null && s.contains(secret));
        }
    }

    /** {@code t} and its causes, as printed. */
    public static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }
}
