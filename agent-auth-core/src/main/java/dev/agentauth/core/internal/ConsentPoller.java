package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.Telemetry;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.TokenStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the token endpoint for the consents of {@linkplain ConsentChannel.Polled polled channels} (the device code,
 * RFC 8628 §3.4–3.5) until the user approves, declines, or the code expires: every {@code interval}, five seconds more
 * after each {@code slow_down}, and with the same interval after a network failure or a 5xx (the code is not lost).
 * The error codes are RFC 8628's, which OpenID CIBA §11 reuses for its polls.
 *
 * <p>The schedule lives in the store, not in this process: each polled consent is stored with its interval and when
 * it is next due ({@link TokenStore#dueDeviceConsents}). The broker runs this poller while it knows a provider whose
 * consents a channel polls (from its start, and from {@code registerProvider}: every polled consent starts after
 * that). It looks for due consents every {@link #SCAN} and claims each one before polling it
 * ({@link ConsentCompletion#claim}), so exactly one replica polls a code at a time — and when that replica dies, its
 * claim lapses and another replica polls on. Which channel polls a consent is the combiner's answer
 * ({@link ConsentChannels#polledOf}). On approval the consent completes as a redirect's would
 * ({@link ConsentCompletion#completeWith}); a decline in the application retires the consent, which stops the polling.
 *
 * <p>One daemon thread per broker ({@code agent-auth-consent-poller}), started by {@link #start()}, stopped by
 * {@link #close()}. Thread-safe.
 */
final class ConsentPoller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsentPoller.class);
    /** RFC 8628 §3.5: each slow_down adds five seconds to the interval. */
    private static final Duration SLOW_DOWN = Duration.ofSeconds(5);
    /** How often the store is asked for due polled consents. */
    static final Duration SCAN = Duration.ofSeconds(1);
    private static final int BATCH = 16;

    private final TokenStore store;
    private final Clock clock;
    private final ProviderRegistry providers;
    private final ConsentChannels channels;
    private final ConsentCompletion completion;
    private final Telemetry telemetry;
    /** How long one poll may hold its consent: a poll's HTTP bound and a margin. */
    private final Duration claimLease;
    private final DaemonScheduler scheduler = new DaemonScheduler("agent-auth-consent-poller");
    private boolean started;

    ConsentPoller(TokenStore store, Clock clock, ProviderRegistry providers, ConsentChannels channels,
                  ConsentCompletion completion, Telemetry telemetry, Duration claimLease) {
        this.store = store;
        this.clock = clock;
        this.providers = providers;
        this.channels = channels;
        this.completion = completion;
        this.telemetry = telemetry;
        this.claimLease = claimLease;
    }

    /** Starts looking for due polled consents (once; later calls do nothing). */
    synchronized void start() {
        if (started) {
            return;
        }
        ScheduledExecutorService s = scheduler.get();
        if (s == null) {
            return;
        }
        try {
            s.scheduleWithFixedDelay(this::scan, SCAN.toMillis(), SCAN.toMillis(), TimeUnit.MILLISECONDS);
            started = true;
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void scan() {
        List<PendingConsent> due;
        try {
            due = store.dueDeviceConsents(clock.instant(), BATCH);
        } catch (AgentAuthException e) {
            log.debug("looking for due polled consents failed ({}); next scan in {} ms",
                    e.getClass().getSimpleName(), SCAN.toMillis());
            return;
        }
        for (PendingConsent candidate : due) {
            try {
                completion.claim(candidate.stateDigest(), claimLease).ifPresent(this::attempt);
            } catch (StoreIntegrityException e) {
                log.warn("polled consent {}: its stored row failed its integrity check; it is dropped",
                        candidate.id());
            } catch (RuntimeException e) {
                log.warn("polled consent {}: polling failed unexpectedly ({}); trying again", candidate.id(),
                        e.getClass().getSimpleName());
            }
        }
    }

    /** One poll of a consent this broker has just claimed. */
    private void attempt(PendingConsent consent) {
        Duration interval = consent.pollInterval();
        ProviderClient client = providers.find(consent.key().provider());
        if (client == null) {
            release(consent, interval); // a replica that knows the provider polls it
            return;
        }
        ConsentChannel.Polled channel = channels.polledOf(consent, client.provider());
        if (!clock.instant().isBefore(consent.expiresAt())) {
            end(channel, consent, "expired_token");
            return;
        }
        try {
            HTTPResponse response = channel.poll(client, consent);
            String error = response.getStatusCode() == 400 ? errorCode(response) : null;
            if ("authorization_pending".equals(error)) {
                release(consent, interval);
                return;
            }
            if ("slow_down".equals(error)) {
                log.debug("consent {}: the provider asked to slow down; polling every {} s", consent.id(),
                        interval.plus(SLOW_DOWN).toSeconds());
                release(consent, interval.plus(SLOW_DOWN));
                return;
            }
            if ("access_denied".equals(error) || "expired_token".equals(error)) {
                end(channel, consent, error);
                return;
            }
            IssuedTokens issued = client.parseTokenResponse(response, consent.principal());
            Telemetry.Span span = telemetry.start("agentauth.consent.complete")
                    .tag("provider", consent.key().provider().value()).tag("flow", channel.name());
            try {
                span.tag("outcome", completion.completeWith(consent, client, channel.kept(issued), channel.name()).status().name()
                        .toLowerCase(java.util.Locale.ROOT));
            } finally {
                span.stop();
            }
        } catch (AgentAuthException e) {
            String error = e.oauthError();
            if (e.retryable() || error == null) {
                log.info("consent {}: polling {} failed ({}); trying again in {} s", consent.id(),
                        consent.key().provider(), e.getClass().getSimpleName(), interval.toSeconds());
                release(consent, interval);
            } else {
                end(channel, consent, error);
            }
        }
    }

    private void release(PendingConsent consent, Duration interval) {
        completion.release(consent, clock.instant().plus(interval), interval);
    }

    private static String errorCode(HTTPResponse response) {
        try {
            Object error = response.getBodyAsJSONObject().get("error");
            return error instanceof String e ? e : null;
        } catch (com.nimbusds.oauth2.sdk.ParseException | RuntimeException e) {
            return null;
        }
    }

    private void end(ConsentChannel.Polled channel, PendingConsent consent, String error) {
        channel.ended(consent, error);
        telemetry.start("agentauth.consent.complete").tag("provider", consent.key().provider().value())
                .tag("flow", channel.name()).tag("outcome", "access_denied".equals(error) ? "denied"
                        : "expired_token".equals(error) ? "expired" : "rejected").stop();
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
