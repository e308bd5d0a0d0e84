package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.TokenStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the token endpoint for device authorizations (RFC 8628 §3.4–3.5) this broker started, until the user
 * approves, declines, or the device code expires: every {@code interval}, five seconds more after each
 * {@code slow_down}, and with the same interval after a network failure or a 5xx (the grant is not lost). On approval
 * the consent completes as a redirect's would ({@link ConsentCallback#completeWith}); the pending consent is taken
 * from the store first, so a decline in the application meanwhile stops the polling.
 *
 * <p>One daemon thread per broker ({@code agent-auth-device-poller}), started on the first device consent, stopped by
 * {@link #close()}. Thread-safe.
 */
final class DevicePoller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DevicePoller.class);
    /** RFC 8628 §3.5: each slow_down adds five seconds to the interval. */
    private static final Duration SLOW_DOWN = Duration.ofSeconds(5);

    private final TokenStore store;
    private final Clock clock;
    private final ProviderRegistry providers;
    private final ConsentCallback completion;
    private final Telemetry telemetry;
    private final DeviceAuthorizationGrantFlow flow = new DeviceAuthorizationGrantFlow();
    private final DaemonScheduler scheduler = new DaemonScheduler("agent-auth-device-poller");

    DevicePoller(TokenStore store, Clock clock, ProviderRegistry providers, ConsentCallback completion,
                 Telemetry telemetry) {
        this.telemetry = telemetry;
        this.store = store;
        this.clock = clock;
        this.providers = providers;
        this.completion = completion;
    }

    /** Starts polling for {@code consent}, whose device code is its {@code codeVerifier}. */
    void poll(PendingConsent consent, Duration interval) {
        schedule(consent, interval);
    }

    private void schedule(PendingConsent consent, Duration interval) {
        ScheduledExecutorService s = scheduler();
        if (s == null) {
            return;
        }
        try {
            s.schedule(() -> attempt(consent, interval), interval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void attempt(PendingConsent consent, Duration interval) {
        ProviderClient client = providers.find(consent.key().provider());
        if (client == null) {
            return;
        }
        if (!clock.instant().isBefore(consent.expiresAt())) {
            end(consent, "expired_token");
            return;
        }
        try {
            if (store.findConsent(consent.id()).isEmpty()) {
                log.debug("consent {}: no longer pending (declined or ended); polling stops", consent.id());
                return;
            }
            HTTPResponse response = flow.poll(client, consent.codeVerifier(), consent.principal());
            String error = response.getStatusCode() == 400 ? errorCode(response) : null;
            if ("authorization_pending".equals(error)) {
                schedule(consent, interval);
                return;
            }
            if ("slow_down".equals(error)) {
                log.debug("consent {}: the provider asked to slow down; polling every {} s", consent.id(),
                        interval.plus(SLOW_DOWN).toSeconds());
                schedule(consent, interval.plus(SLOW_DOWN));
                return;
            }
            if ("access_denied".equals(error) || "expired_token".equals(error)) {
                end(consent, error);
                return;
            }
            IssuedTokens issued = client.parseTokenResponse(response, consent.principal());
            if (store.takeConsent(consent.stateDigest()).isEmpty()) {
                return; // declined in the application at the same moment: the decline stands
            }
            Telemetry.Span span = telemetry.start("agentauth.consent.complete")
                    .tag("provider", consent.key().provider().value()).tag("flow", "device_code");
            try {
                span.tag("outcome", completion.completeWith(consent, client, issued, "device_code").status().name()
                        .toLowerCase(java.util.Locale.ROOT));
            } finally {
                span.stop();
            }
        } catch (AgentAuthException e) {
            String error = e.oauthError();
            if (e.retryable() || error == null) {
                log.info("consent {}: polling {} failed ({}); trying again in {} s", consent.id(),
                        consent.key().provider(), e.getClass().getSimpleName(), interval.toSeconds());
                schedule(consent, interval);
            } else {
                end(consent, error);
            }
        } catch (RuntimeException e) {
            log.warn("consent {}: polling failed unexpectedly ({}); trying again", consent.id(),
                    e.getClass().getSimpleName());
            schedule(consent, interval);
        }
    }

    private static String errorCode(HTTPResponse response) {
        try {
            Object error = response.getBodyAsJSONObject().get("error");
            return error instanceof String e ? e : null;
        } catch (com.nimbusds.oauth2.sdk.ParseException | RuntimeException e) {
            return null;
        }
    }

    private void end(PendingConsent consent, String error) {
        if (store.takeConsent(consent.stateDigest()).isPresent()) {
            completion.deviceEnded(consent, error);
            telemetry.start("agentauth.consent.complete").tag("provider", consent.key().provider().value())
                    .tag("flow", "device_code").tag("outcome", "access_denied".equals(error) ? "denied"
                            : "expired_token".equals(error) ? "expired" : "rejected").stop();
        }
    }

    private ScheduledExecutorService scheduler() {
        return scheduler.get();
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
