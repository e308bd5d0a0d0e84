package dev.agentauth.agent.internal;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRecovery;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.Continuation;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.agent.spi.Turn;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.store.StoredInterrupt;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resumes an interrupted turn: checks the interrupt belongs to the user and every consent has ended, claims it under a
 * lease ({@link ResumeLease}), runs each waiting tool call once (or reports the declined or expired consent to the
 * model), has the framework put the results in memory, and continues the turn through the framework's own call
 * ({@link dev.agentauth.agent.spi.FrameworkAdapter#continueTurn}) — never a model loop of its own: a turn that cannot
 * continue through its framework is refused with {@code SERVICE_UNAVAILABLE} before anything runs. Thread-safe;
 * blocks on the tools, the store and the framework.
 */
final class Resumer {

    private static final Logger log = LoggerFactory.getLogger(Resumer.class);
    /** What the model is told of a call that was in flight when its resume's replica stopped (at most once). */
    static final String UNKNOWN_OUTCOME = "This call was started, but the server running it stopped before it"
            + " finished. It was not run again, so that it cannot act twice, and whether it took effect is unknown."
            + " Tell the user, and check before trying it again.";

    private enum ConsentEnd {
        GRANTED(null), DENIED(ConsentFailedException.Reason.DENIED), EXPIRED(ConsentFailedException.Reason.EXPIRED),
        FAILED(ConsentFailedException.Reason.REJECTED), PENDING(null);

        final ConsentFailedException.Reason reason;

        ConsentEnd(ConsentFailedException.Reason reason) {
            this.reason = reason;
        }
    }

    /** Runs one waiting call of a resumed turn: the agent's tool pipeline, in the turn's context. */
    @FunctionalInterface
    interface CallRunner {
        ToolResult run(ToolCall call, Turn turn);
    }

    private final AgentSettings settings;
    private final InterruptRegistry interrupts;
    private final CallRunner calls;
    /** This agent among the replicas sharing the interrupt store, as the claimant of resumes (random, for logs). */
    private final String owner;
    /** Renews the leases of resumes running here. */
    private final ScheduledExecutorService heartbeat;

    Resumer(AgentSettings settings, InterruptRegistry interrupts, CallRunner calls) {
        this.settings = settings;
        this.interrupts = interrupts;
        this.calls = calls;
        byte[] id = new byte[9];
        settings.random().nextBytes(id);
        this.owner = "agent-" + Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-auth-resume-lease");
            t.setDaemon(true);
            return t;
        });
    }

    /** The open interrupt {@code interruptId}, which must be {@code user}'s; {@code verb} names the refused action. */
    private InterruptRegistry.Interrupted owned(String interruptId, String user, String verb) {
        Objects.requireNonNull(interruptId, "interruptId");
        Objects.requireNonNull(user, "user");
        InterruptRegistry.Interrupted state;
        try {
            state = interrupts.find(interruptId);
        } catch (StoreIntegrityException e) {
            log.warn("{} of interrupt {} refused: its stored row failed the integrity check", verb, interruptId);
            throw new ResumeRejectedException(ResumeRejectedException.Reason.UNKNOWN, "interrupt " + interruptId
                    + " cannot be used: its stored row was altered; the user asks again", Principal.user(user), null);
        }
        if (state == null || (state.stored != null && state.stored.state() == StoredInterrupt.State.DONE)) {
            throw new ResumeRejectedException(ResumeRejectedException.Reason.UNKNOWN, "interrupt " + interruptId
                    + " is unknown: it was already resumed, expired and was discarded, or never issued",
                    Principal.user(user), null);
        }
        if (!user.equals(state.principal.user()) || (state.stored != null && !user.equals(state.stored.user()))) {
            log.warn("{} of interrupt {} refused: it belongs to another user", verb, interruptId);
            throw new ResumeRejectedException(ResumeRejectedException.Reason.WRONG_USER, "interrupt " + interruptId
                    + " belongs to another user; only that user can " + verb + " it", Principal.user(user), null);
        }
        if (state.stored != null && !state.stored.resumable(settings.clock().instant())) {
            throw inProgress(state);
        }
        return state;
    }

    /** Another resume claimed it between our read and our claim: running now, or already done. */
    private ResumeRejectedException claimedMeanwhile(String interruptId, String user,
                                                     InterruptRegistry.Interrupted state) {
        try {
            owned(interruptId, user, "resume");
        } catch (ResumeRejectedException e) {
            return e;
        }
        return inProgress(state);
    }

    private static ResumeRejectedException inProgress(InterruptRegistry.Interrupted state) {
        return new ResumeRejectedException(ResumeRejectedException.Reason.IN_PROGRESS, "interrupt " + state.id
                + " is being resumed right now (here or on another replica); if that replica stops, another resume"
                + " takes over once its lease runs out: try again in a moment", state.principal, null);
    }

    /** Declines the interrupt's pending consents for {@code user}, then resumes: the declined calls report it. */
    Object decline(String interruptId, String user) {
        InterruptRegistry.Interrupted state = owned(interruptId, user, "decline");
        for (ConsentRequirement c : new LinkedHashMap<>(state.consentByCall).values()) {
            if (outcome(c) == ConsentEnd.PENDING) {
                settings.broker().declineConsent(c.id(), user);
            }
        }
        return resume(interruptId, user);
    }

    /** Resumes interrupt {@code interruptId} for {@code user}: what the continued framework call returns. */
    Object resume(String interruptId, String user) {
        InterruptRegistry.Interrupted state = owned(interruptId, user, "resume");
        Map<String, ConsentEnd> outcomes = new HashMap<>();
        for (ConsentRequirement c : new LinkedHashMap<>(state.consentByCall).values()) {
            ConsentEnd outcome = outcome(c);
            if (outcome == ConsentEnd.PENDING) {
                throw new ResumeRejectedException(ResumeRejectedException.Reason.CONSENT_PENDING, "user " + user
                        + " has not yet authorized " + c.providerDisplayName() + " (consent " + c.id()
                        + "); resume again once they have", state.principal, state.snapshot);
            }
            outcomes.put(c.id().value(), outcome);
        }
        if (state.continuation == null) {
            throw new ResumeRejectedException(ResumeRejectedException.Reason.SERVICE_UNAVAILABLE, "interrupt "
                    + interruptId + " cannot continue: the call it interrupted could not be kept (its arguments could"
                    + " not be written down); the interrupt stays open, and the user can ask again", state.principal,
                    state.snapshot);
        }
        if (!settings.framework().name().equals(state.continuation.adapter())) {
            throw new ResumeRejectedException(ResumeRejectedException.Reason.SERVICE_UNAVAILABLE, "interrupt "
                    + interruptId + " was raised by a " + state.continuation.adapter() + " agent; resume it there",
                    state.principal, null);
        }
        settings.framework().checkContinuable(interruptId, state.principal, state.continuation);
        ResumeLease lease = new ResumeLease(interrupts.storage(), interrupts.storage().claim(state, owner,
                settings.resumeLease()).orElseThrow(() -> claimedMeanwhile(interruptId, user, state)),
                settings.resumeLease(), heartbeat);
        Turn turn = new ResumedTurn(state);
        Map<String, ToolResult> results = new LinkedHashMap<>();
        try {
            for (ToolCall call : state.batch) {
                if (state.journal.completed.containsKey(call.id())) {
                    continue; // already answered in memory when the interrupt settled
                }
                ConsentRequirement consent = state.consentByCall.get(call.id());
                ConsentEnd outcome = consent == null ? ConsentEnd.GRANTED : outcomes.get(consent.id().value());
                ToolResult result;
                if (outcome != ConsentEnd.GRANTED) {
                    result = ToolResult.error(ToolResults.consentFailure(consent, outcome.reason));
                } else if (lease.doneBefore(call.id()).isPresent()) {
                    result = lease.doneBefore(call.id()).get(); // ran under a resume that died later: not again
                } else if (lease.inFlightBefore(call.id())
                        && settings.resumeRecovery() == ResumeRecovery.AT_MOST_ONCE) {
                    log.warn("interrupt {}: tool call {} ({}) was running when its resume's replica stopped; not run"
                            + " again (at most once), the model is told", interruptId, call.id(), call.name());
                    result = ToolResult.error(UNKNOWN_OUTCOME);
                } else {
                    if (lease.inFlightBefore(call.id())) {
                        log.warn("interrupt {}: tool call {} ({}) was running when its resume's replica stopped; run"
                                + " again (at least once)", interruptId, call.id(), call.name());
                    }
                    lease.starting(call.id());
                    try {
                        result = calls.run(call, turn);
                    } catch (ConsentInterruptException again) {
                        // The call needs more than the user granted (step-up): a new interrupt for the rest of the
                        // turn takes over; this one is done.
                        settings.framework().resumed(state.memoryId, state.batch, results);
                        lease.finish();
                        throw interrupts.carryOver(state, results, again);
                    } catch (AgentAuthException operators) {
                        // The operator's to fix (ToolFailures), before the tool could act: what ran is kept, the
                        // interrupt is given back open, and this call counts as not started.
                        settings.framework().resumed(state.memoryId, state.batch, results);
                        lease.notStarted(call.id());
                        throw operators;
                    }
                }
                lease.finished(call.id(), result);
                results.put(call.id(), result);
            }
            settings.framework().resumed(state.memoryId, state.batch, results);
            lease.finish();
        } finally {
            lease.close(); // released with its progress, unless finished: a resume that failed can be retried
            interrupts.turnEnded(turn.id());
        }
        log.info("interrupt {} resumed for {}: {} waiting tool call(s) answered", interruptId, state.principal,
                results.size());
        Map<String, ToolResult> all = new LinkedHashMap<>();
        for (ToolCall call : state.batch) {
            ToolResult r = results.containsKey(call.id()) ? results.get(call.id())
                    : state.journal.completed.get(call.id());
            if (r != null) {
                all.put(call.id(), r);
            }
        }
        return settings.framework().continueTurn(state.continuation, state.memoryId, state.principal, state.batch,
                all);
    }

    private ConsentEnd outcome(ConsentRequirement consent) {
        CompletableFuture<AccessToken> f = settings.broker().consentCompletion(consent.id());
        if (f.isDone()) {
            try {
                f.join();
                return ConsentEnd.GRANTED;
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof ConsentFailedException failed) {
                    return switch (failed.reason()) {
                        case DENIED -> ConsentEnd.DENIED;
                        case EXPIRED -> ConsentEnd.EXPIRED;
                        default -> ConsentEnd.FAILED;
                    };
                }
                return ConsentEnd.FAILED;
            }
        }
        if (!consent.expiresAt().isAfter(settings.clock().instant())) {
            return ConsentEnd.EXPIRED;
        }
        return ConsentEnd.PENDING;
    }

    /** The context of a resumed turn's waiting calls: the interrupted turn's, under a new turn id. */
    static final class ResumedTurn implements Turn {
        private final InterruptRegistry.Interrupted state;
        private final String id = "resume-" + UUID.randomUUID();

        ResumedTurn(InterruptRegistry.Interrupted state) {
            this.state = state;
        }

        /** The consent call {@code callId} waited for, or {@code null}: an approval's token serves that call. */
        ConsentRequirement consentOf(String callId) {
            return state.consentByCall.get(callId);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Object memoryId() {
            return state.memoryId;
        }

        @Override
        public Principal principal() {
            return state.principal;
        }

        @Override
        public List<ToolCall> batch(ToolCall current) {
            return state.batch;
        }

        @Override
        public Continuation continuation() {
            return state.continuation;
        }
    }
}
