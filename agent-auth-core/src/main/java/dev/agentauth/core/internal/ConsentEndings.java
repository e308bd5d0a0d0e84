package dev.agentauth.core.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a consent's ending reaches the store, so that nothing is lost when the store fails at that moment. A consent ends
 * with one write ({@link TokenStore#completeConsent}): the grant (when tokens were issued), the outcome other replicas
 * wait for, and the retirement of the pending consent — all or nothing, under the grant's lock. Order matters: a
 * consent is retired only together with what it produced, so a callback that dies half-way leaves the consent in place
 * (claimed, until its claim lapses) rather than a redeemed code with nowhere to put its tokens.
 *
 * <p>When the write fails (the database is down or frozen), the ending is kept here, sealed in this process's memory,
 * and retried in the background with backoff until {@link #GIVE_UP_AFTER}; a retry of the same callback retries it at
 * once. Issued tokens that still cannot be stored by then are revoked at the provider (RFC 7009) rather than left
 * alive and unknown; {@link #close()} tries once more and revokes the rest.
 *
 * <pre>
 *  callback ──claim──► redeem ──► write(grant, outcome, retire) ──ok──► waiters woken everywhere
 *                                      └─ store fails ──► kept here ──retry (1 s … 15 s)──► ok
 *                                                               └─ 10 min ──► tokens revoked, dropped
 * </pre>
 *
 * Thread-safe; {@link #write} blocks on the store.
 */
final class ConsentEndings implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsentEndings.class);
    /** How long an ending the store refused is retried before its tokens are revoked. */
    static final Duration GIVE_UP_AFTER = Duration.ofMinutes(10);
    private static final long FIRST_RETRY_MILLIS = 1_000;
    private static final long MAX_RETRY_MILLIS = 15_000;

    /**
     * One consent's ending: what to write, and what to revoke if it never can be. {@code detail} is the grant type
     * that issued the tokens (for the audit trail).
     */
    record Ending(PendingConsent consent, StoredGrant grant, ConsentOutcome outcome, ProviderClient client,
                  String detail, Instant giveUpAt) {
    }

    private final GrantKeeper grants;
    private final TokenStore store;
    private final Clock clock;
    private final TokenRevocation revocation = new TokenRevocation();
    private final ConcurrentHashMap<String, Ending> unsaved = new ConcurrentHashMap<>();
    /**
     * Endings written late (after the user was told their sign-in is being saved), by state digest: the reload that
     * message asks for then says "connected". A callback completed at once is single use as ever: a replay of it
     * finds nothing.
     */
    private final ConcurrentHashMap<String, Ending> completed = new ConcurrentHashMap<>();
    private final DaemonScheduler scheduler = new DaemonScheduler("agent-auth-consent-endings");

    ConsentEndings(GrantKeeper grants) {
        this.grants = grants;
        this.store = grants.store();
        this.clock = grants.clock();
    }

    /** An ending for {@code consent} as of now; {@code grant} and {@code client} are {@code null} without tokens. */
    Ending ending(PendingConsent consent, StoredGrant grant, ConsentOutcome outcome, ProviderClient client,
                  String detail) {
        return new Ending(consent, grant, outcome, client, detail, clock.instant().plus(GIVE_UP_AFTER));
    }

    /**
     * Writes {@code ending}; {@code true} when it is in the store. On a store failure it is kept and retried, and
     * {@code false} comes back: the caller tells the user it is being saved.
     */
    boolean write(Ending ending) {
        if (tryWrite(ending)) {
            return true;
        }
        if (unsaved.putIfAbsent(ending.consent().stateDigest(), ending) == null) {
            schedule(ending.consent().stateDigest(), FIRST_RETRY_MILLIS);
        }
        return false;
    }

    /** The ending kept for this state's consent after the store refused it, if any. */
    Optional<Ending> unsaved(String stateDigest) {
        return Optional.ofNullable(unsaved.get(stateDigest));
    }

    /** The ending written late for this state's consent (the reload its callback page asked for), if any. */
    Optional<Ending> completed(String stateDigest) {
        return Optional.ofNullable(completed.get(stateDigest));
    }

    /** Retries a kept ending now (the user retried the callback); {@code true} once it is in the store. */
    boolean retry(Ending ending) {
        if (tryWrite(ending)) {
            unsaved.remove(ending.consent().stateDigest(), ending);
            Instant now = clock.instant();
            completed.values().removeIf(old -> old.giveUpAt().isBefore(now));
            if (ending.grant() != null) {
                completed.put(ending.consent().stateDigest(), ending);
            }
            return true;
        }
        return false;
    }

    private boolean tryWrite(Ending e) {
        try {
            store.withGrantLock(e.consent().key(), () -> {
                store.completeConsent(e.consent(), e.grant(), e.outcome());
                return null;
            });
        } catch (AgentAuthException failure) {
            log.warn("consent {}: the store did not take its ending ({}, {}); kept in this process and retried",
                    e.consent().id(), e.outcome().status(), failure.getClass().getSimpleName());
            return false;
        }
        written(e);
        return true;
    }

    /** An ending with tokens is in the store: audited, in the order store, then audit, then cache. */
    private void written(Ending e) {
        StoredGrant grant = e.grant();
        if (grant == null) {
            return;
        }

        PendingConsent consent = e.consent();
        grants.audit().record(AuditEvent.Type.TOKEN_ISSUED, grant.key().provider(), consent.principal(),
                grant.scopes(), consent.id(), e.detail(), grant.account());
        grants.audit().record(AuditEvent.Type.CONSENT_COMPLETED, grant.key().provider(), consent.principal(),
                grant.scopes(), consent.id(), null, grant.account());
        log.info("consent {} completed: {} for {} scopes [{}]", consent.id(), grant.key().provider(),
                consent.principal(), grant.scopes());
    }

    private void schedule(String digest, long delayMillis) {
        ScheduledExecutorService s = scheduler.get();
        if (s == null) {
            return;
        }
        try {
            s.schedule(() -> retryLater(digest, delayMillis), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // closing: close() handles what is left
        }
    }

    private void retryLater(String digest, long lastDelay) {
        Ending e = unsaved.get(digest);
        if (e == null) {
            return;
        }
        if (retry(e)) {
            log.info("consent {}: its ending is saved now that the store is back", e.consent().id());
            return;
        }
        if (!clock.instant().isBefore(e.giveUpAt())) {
            unsaved.remove(digest, e);
            giveUp(e);
            return;
        }
        schedule(digest, Math.min(MAX_RETRY_MILLIS, lastDelay * 2));
    }

    /** Tokens that could not be stored are revoked rather than left alive where nobody knows of them. */
    private void giveUp(Ending e) {
        if (e.grant() != null) {
            grants.cache().remove(e.grant().key()); // served locally meanwhile: no longer
            grants.audit().record(AuditEvent.Type.CONSENT_REJECTED, e.grant().key().provider(),
                    e.consent().principal(), e.grant().scopes(), e.consent().id(),
                    "the token store never took the grant; tokens revoked");
        }
        if (e.grant() == null) {
            log.warn("consent {}: its outcome ({}) could never be stored; replicas waiting for it time out",
                    e.consent().id(), e.outcome().status());
            return;
        }
        try {
            boolean revoked = revocation.revoke(e.client(), e.grant(), e.consent().principal());
            log.warn("consent {}: the store never took the grant of {} at {}; its tokens were {}; the user must connect"
                    + " again", e.consent().id(), e.consent().principal(), e.client().id(),
                    revoked ? "revoked at the provider" : "dropped (the provider has no revocation endpoint)");
        } catch (RuntimeException failure) {
            log.warn("consent {}: the store never took the grant of {} at {}, and revoking its tokens failed ({});"
                    + " revoke them at the provider", e.consent().id(), e.consent().principal(), e.client().id(),
                    failure.getClass().getSimpleName());
        }
    }

    /** One last write of what is kept; what still fails is revoked. */
    @Override
    public void close() {
        scheduler.close();
        for (Ending e : unsaved.values()) {
            if (!retry(e)) {
                unsaved.remove(e.consent().stateDigest(), e);
                giveUp(e);
            }
        }
    }
}
