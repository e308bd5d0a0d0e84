package dev.agentauth.core.internal;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.Telemetry;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.TokenStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consent bookkeeping: who waits for a consent, which consent is pending for a grant, and how it ended — whatever its
 * {@linkplain ConsentChannel channel}. Where a consent's state lives:
 *
 * <pre>
 *  start ──► the channel: asks the provider if it must, stores a PendingConsent (state digest, PKCE verifier or device
 *            code, key; single use, expires) and says what the user is shown (ConsentPrompt)
 *        ──► here: Waiter (future) and pendingByKey (so concurrent callers share one consent); announced
 *  callback (RedirectChannel) or poll (ConsentPoller, for a polled channel), on any replica
 *        ──► store.claimConsent: one claimant at a time (a replay finds nothing); the consent stays stored
 *        ──► ConsentCompletion, ConsentEndings: grant + ConsentOutcome + retirement in one write (kept and retried if
 *            the store fails)
 *        ──► here: completed()/failed() finish the local Waiter
 *  waiting replica ──► ConsentOutcomeWatcher polls the store for the outcome and finishes its Waiter; a direct
 *                      completion() call reads the store first, so an outcome recorded elsewhere always wins
 * </pre>
 *
 * <p>The accepted race: two replicas may each start a consent for one grant at the same moment; both are valid, the
 * first completed wins the grant, and the other's callback still redeems and replaces it with an equal grant.
 * Thread-safe; {@link #start} blocks on the store (and on the provider, for a channel that asks it),
 * {@link #completion} never blocks.
 */
final class Consents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Consents.class);
    /** How often a broker on a shared store looks for consents finished on another replica while someone waits. */
    private static final Duration OUTCOME_POLL_INTERVAL = Duration.ofMillis(250);

    /** A consent's completion, shared by everyone waiting for it. */
    private record Waiter(ConsentId id, ProviderId provider, Principal principal, Instant expiresAt,
                          CompletableFuture<AccessToken> future) {
    }

    private final TokenStore store;
    private final AuditTrail audit;
    private final Clock clock;
    private final Duration ttl;
    private final ConsentSecrets secrets;
    private final ConcurrentHashMap<ConsentId, Waiter> waiters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<GrantKey, ConsentRequirement> pendingByKey = new ConcurrentHashMap<>();
    private final ConsentOutcomeWatcher outcomeWatcher;
    private final Telemetry telemetry;
    private final ConsentEndings endings;
    /** This broker among the replicas sharing the store, as the claimant of consents (random, for logs). */
    private final String owner;

    Consents(GrantKeeper grants, Duration ttl, ConsentSecrets secrets, Telemetry telemetry) {
        this.telemetry = telemetry;
        this.endings = new ConsentEndings(grants);
        this.store = grants.store();
        this.audit = grants.audit();
        this.clock = grants.clock();
        this.ttl = ttl;
        this.secrets = secrets;
        this.owner = "broker-" + secrets.next(9);
        this.outcomeWatcher = new ConsentOutcomeWatcher(store, OUTCOME_POLL_INTERVAL,
                grant -> grants.serve(grant).token(), id -> pendingByKey.values().removeIf(c -> c.id().equals(id)));
    }

    /** This broker as the claimant of consents. */
    String owner() {
        return owner;
    }

    /** Where consents' endings go to the store. */
    ConsentEndings endings() {
        return endings;
    }

    /** How {@code consent} ended, as the store records it for other replicas. */
    ConsentOutcome outcome(PendingConsent consent, ConsentOutcome.Status status, String detail) {
        return new ConsentOutcome(consent.id(), status, consent.key(), consent.principal(), detail, clock.instant(),
                consent.expiresAt().plus(ttl));
    }

    /**
     * A consent for {@code scopes}: the one already pending for this grant when it covers them (unless
     * {@code force}), else a new one through {@code channel}, stored and announced to the consent listeners.
     */
    TokenResult start(ConsentChannel channel, TokenRequest request, ProviderClient client, GrantKey key,
                      Scopes scopes, boolean force) {
        Instant now = clock.instant();
        if (!force) {
            ConsentRequirement pending = pendingByKey.get(key);
            if (pending != null && pending.expiresAt().isAfter(now) && pending.scopes().containsAll(scopes)
                    // on a shared store another replica may have used up this consent's state
                    && (!store.sharedAcrossProcesses() || store.findConsent(pending.id()).isPresent())) {
                return new TokenResult.ConsentRequired(pending);
            }
        }
        purgeExpired(now);
        ConsentChannel.Started started = channel.start(new ConsentChannel.Start(request, client, key, scopes,
                secrets.consentId(), now));
        PendingConsent consent = started.consent();
        return announce(new ConsentRequirement(consent.id(), client.id(), client.provider().displayName(),
                consent.scopes(), started.prompt(), consent.expiresAt(), consent.principal()), key, channel.name());
    }

    /** A stored consent begins: waited for, shared with concurrent callers, audited, observed, announced. */
    private TokenResult announce(ConsentRequirement requirement, GrantKey key, String channel) {
        waiters.put(requirement.id(), new Waiter(requirement.id(), requirement.provider(), requirement.principal(),
                requirement.expiresAt(), new CompletableFuture<>()));
        pendingByKey.put(key, requirement);
        audit.record(AuditEvent.Type.CONSENT_REQUESTED, requirement.provider(), requirement.principal(),
                requirement.scopes(), requirement.id(), channel);
        telemetry.start("agentauth.consent.request").tag("provider", requirement.provider().value())
                .tag("flow", channel).stop();
        log.info("consent {} requested ({}): {} for {} scopes [{}]", requirement.id(), channel, requirement.provider(),
                requirement.principal(), requirement.scopes());
        audit.consentStarted(requirement);
        return new TokenResult.ConsentRequired(requirement);
    }

    /** See {@link dev.agentauth.core.TokenBroker#consentCompletion}. */
    CompletableFuture<AccessToken> completion(ConsentId id) {
        Waiter waiter = waiters.get(id);
        if (waiter == null) {
            // Started by another replica, or by this process before a restart: the store knows it.
            Optional<CompletableFuture<AccessToken>> ended = endedElsewhere(id);
            if (ended.isPresent()) {
                return ended.get();
            }
            waiter = adoptPending(id);
        }
        if (waiter == null) {
            return CompletableFuture.failedFuture(new ConsentFailedException(id, ConsentFailedException.Reason.UNKNOWN,
                    "consent " + id + " is unknown: it was never started, or it ended and was purged;"
                            + " request the token again", null, null, null));
        }
        Waiter c = waiter;
        if (!waiter.future().isDone() && store.sharedAcrossProcesses()) {
            // The callback may have reached another replica a moment ago: what the store recorded wins over a local
            // waiter that has not heard of it yet.
            CompletableFuture<AccessToken> local = waiter.future();
            try {
                store.findConsentOutcome(id).ifPresent(outcome -> outcomeWatcher.finish(outcome, local));
            } catch (AgentAuthException e) {
                log.debug("consent {}: the store could not be read for its outcome ({})", id, e.getMessage());
            }
        }
        // Rounded up: a timeout a millisecond early would leave the consent pending for the next caller.
        long remaining = Math.max(1, Duration.between(clock.instant(), c.expiresAt()).toMillis() + 1);
        if (store.sharedAcrossProcesses()) {
            // The callback may reach another replica: watch the store for the outcome it records.
            outcomeWatcher.watch(id, Duration.ofMillis(remaining), waiter.future());
        }
        return waiter.future().copy().orTimeout(remaining, TimeUnit.MILLISECONDS).exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TimeoutException) {
                return CompletableFuture.failedFuture(new ConsentFailedException(id,
                        ConsentFailedException.Reason.EXPIRED, "consent " + id + " for " + c.provider()
                        + " expired at " + c.expiresAt() + " before " + c.principal() + " completed it;"
                        + " request the token again for a new consent", c.provider(), c.principal(), null));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** How consent {@code id} ended, when another replica (or this process before a restart) recorded it. */
    private Optional<CompletableFuture<AccessToken>> endedElsewhere(ConsentId id) {
        try {
            return store.findConsentOutcome(id).map(outcome -> {
                CompletableFuture<AccessToken> future = new CompletableFuture<>();
                outcomeWatcher.finish(outcome, future);
                return future;
            });
        } catch (AgentAuthException e) {
            return Optional.of(CompletableFuture.failedFuture(e));
        }
    }

    /**
     * A consent still pending in the store that this broker did not start (another replica did, or this process did
     * before a restart): waited for here from now on, finished by the callback here or, on a shared store, by the
     * outcome another replica records. {@code null} when the store has no such consent.
     */
    private Waiter adoptPending(ConsentId id) {
        Optional<PendingConsent> pending;
        try {
            pending = store.findConsent(id);
        } catch (AgentAuthException e) {
            log.debug("consent {}: the store could not be read ({})", id, e.getMessage());
            return null;
        }
        if (pending.isEmpty()) {
            return null;
        }
        PendingConsent p = pending.get();
        // Its prompt stays with whoever started it: waiting needs only its expiry, provider and principal.
        return waiters.computeIfAbsent(id, k -> new Waiter(id, p.key().provider(), p.principal(), p.expiresAt(),
                new CompletableFuture<>()));
    }

    /** A callback took {@code consent}'s state: it is no longer pending for its grant. */
    void taken(PendingConsent consent) {
        pendingByKey.computeIfPresent(consent.key(), (k, v) -> v.id().equals(consent.id()) ? null : v);
    }

    /** {@code consent} completed with {@code token}: wakes its waiters here (the store has its ending already). */
    void completed(PendingConsent consent, AccessToken token) {
        Waiter waiter = waiters.get(consent.id());
        if (waiter != null) {
            waiter.future().complete(token);
        }
    }

    /**
     * {@code consent} ended without a token: fails its waiters here and writes its ending (outcome and retirement) for
     * other replicas; {@code detail} is an OAuth error code or a short reason, never a secret. A store that refuses it
     * now gets it later ({@link ConsentEndings}).
     */
    void failed(PendingConsent consent, AgentAuthException why, ConsentOutcome.Status status, String detail) {
        Waiter waiter = waiters.get(consent.id());
        if (waiter != null) {
            waiter.future().completeExceptionally(why);
        }
        endings.write(endings.ending(consent, null, outcome(consent, status, detail), null, null));
    }

    private void purgeExpired(Instant now) {
        store.purgeExpiredConsents(now);
        // Keep ended waiters a while, so a late consentCompletion() still sees the outcome.
        Instant horizon = now.minus(ttl);
        waiters.values().removeIf(w -> w.expiresAt().isBefore(horizon));
        pendingByKey.values().removeIf(c -> c.expiresAt().isBefore(now));
    }

    /** Fails every wait: the broker is closing. */
    @Override
    public void close() {
        outcomeWatcher.close();
        endings.close();
        for (Waiter w : waiters.values()) {
            w.future().completeExceptionally(new ConsentFailedException(w.id(), ConsentFailedException.Reason.UNKNOWN,
                    "the token broker was closed", w.provider(), w.principal(), null));
        }
    }
}
