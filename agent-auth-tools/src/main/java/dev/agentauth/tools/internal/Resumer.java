package dev.agentauth.tools.internal;

import static dev.agentauth.tools.internal.ToolResults.consentFailure;
import static dev.agentauth.tools.internal.ToolResults.error;
import static dev.agentauth.tools.internal.ToolResults.resultMessage;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.StoreIntegrityException;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.tools.ConsentInterruptException;
import dev.agentauth.tools.ResumeRecovery;
import dev.agentauth.tools.ResumeRejectedException;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.service.tool.ToolExecutionResult;
import dev.langchain4j.service.tool.ToolExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resumes an interrupted turn: checks the interrupt belongs to the user and every consent has ended, takes it (once),
 * runs each waiting tool call exactly once (or reports the declined or expired consent to the model), puts the
 * results in place of the placeholders, and lets the model continue. Thread-safe; blocks on the tools and the model.
 */
final class Resumer {

    private static final Logger log = LoggerFactory.getLogger(Resumer.class);
    private static final int MAX_ROUND_TRIPS = 25;
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

    private final AgentRuntime.Settings settings;
    private final ToolRegistry registry;
    private final InterruptRegistry interrupts;
    private final Services services;

    /** This agent among the replicas sharing the interrupt store, as the claimant of resumes (random, for logs). */
    private final String owner;
    /** Renews the leases of resumes running here. */
    private final java.util.concurrent.ScheduledExecutorService heartbeat;

    Resumer(AgentRuntime.Settings settings, ToolRegistry registry, InterruptRegistry interrupts, Services services) {
        byte[] id = new byte[9];
        settings.random().nextBytes(id);
        this.owner = "agent-" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        this.heartbeat = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-auth-resume-lease");
            t.setDaemon(true);
            return t;
        });
        this.services = services;
        this.settings = settings;
        this.registry = registry;
        this.interrupts = interrupts;
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

    /**
     * Resumes interrupt {@code interruptId} for {@code user}: what the interrupted AI-service method returns (the turn
     * continues through the service), or the model's continued text when the service call could not be kept.
     */
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
        Services.Handle service = null;
        if (state.call != null && state.call.arguments() != null) {
            service = services.handle(state.call.interfaceName(), state.call.methodName(),
                    state.call.arguments().size(), state.call.parameterTypes());
            if (service == null) {
                throw new ResumeRejectedException(ResumeRejectedException.Reason.SERVICE_UNAVAILABLE, "interrupt "
                        + interruptId + " continues " + state.call.interfaceName() + "." + state.call.methodName()
                        + ", which this agent has not built: call agent.aiService(" + simpleName(state.call)
                        + ".class, ...) on this replica first; the interrupt stays open", state.principal,
                        state.snapshot);
            }
        } else if (settings.chatModel() == null) {
            throw new ResumeRejectedException(ResumeRejectedException.Reason.SERVICE_UNAVAILABLE, "interrupt "
                    + interruptId + " did not keep its AI-service call and this agent has no ChatModel to continue"
                    + " it with; the interrupt stays open", state.principal, state.snapshot);
        }
        ResumeLease lease = new ResumeLease(interrupts.storage(), interrupts.storage().claim(state, owner,
                settings.resumeLease()).orElseThrow(() -> claimedMeanwhile(interruptId, user, state)),
                settings.resumeLease(), heartbeat);
        InvocationContext.Builder builder = InvocationContext.builder().invocationId(UUID.randomUUID())
                .chatMemoryId(state.memoryId)
                .invocationParameters(state.parameters != null ? state.parameters : new InvocationParameters())
                .timestampNow();
        InvocationContext context = (state.call != null ? state.call.into(builder) : builder).build();
        Map<String, ToolExecutionResultMessage> results = new LinkedHashMap<>();
        ChatMemory memory = settings.memory().get(state.memoryId);
        try {
            for (ToolExecutionRequest call : state.batch) {
                if (state.journal.completed.containsKey(call.id())) {
                    continue; // already answered in memory by settle()
                }
                ConsentRequirement consent = state.consentByCall.get(call.id());
                ConsentEnd outcome = consent == null ? ConsentEnd.GRANTED : outcomes.get(consent.id().value());
                ToolExecutionResult result;
                if (outcome != ConsentEnd.GRANTED) {
                    result = error(consentFailure(consent.providerDisplayName(), outcome.reason));
                } else if (lease.doneBefore(call.id()).isPresent()) {
                    result = lease.doneBefore(call.id()).get(); // ran under a resume that died later: not again
                } else if (lease.inFlightBefore(call.id())
                        && settings.resumeRecovery() == ResumeRecovery.AT_MOST_ONCE) {
                    log.warn("interrupt {}: tool call {} ({}) was running when its resume's replica stopped; not run"
                            + " again (at most once), the model is told", interruptId, call.id(), call.name());
                    result = error(UNKNOWN_OUTCOME);
                } else {
                    if (lease.inFlightBefore(call.id())) {
                        log.warn("interrupt {}: tool call {} ({}) was running when its resume's replica stopped; run"
                                + " again (at least once)", interruptId, call.id(), call.name());
                    }
                    lease.starting(call.id());
                    try {
                        result = run(call, context);
                    } catch (ConsentInterruptException again) {
                        // The call needs more than the user granted (step-up): a new interrupt for the rest of the
                        // turn takes over; this one is done.
                        replaceResults(memory, results);
                        lease.finish();
                        throw interrupts.carryOver(state, results, again);
                    } catch (AgentAuthException operators) {
                        // The operator's to fix (ToolFailures), before the tool could act: what ran is kept, the
                        // interrupt is given back open, and this call counts as not started.
                        replaceResults(memory, results);
                        lease.notStarted(call.id());
                        throw operators;
                    }
                }
                lease.finished(call.id(), result);
                results.put(call.id(), resultMessage(call, result));
            }
            replaceResults(memory, results);
            lease.finish();
        } finally {
            lease.close(); // released with its progress, unless finished: a resume that failed can be retried
        }
        log.info("interrupt {} resumed for {}: {} waiting tool call(s) answered", interruptId, state.principal,
                results.size());
        if (service != null) {
            return service.replay(state.memoryId, state.call.arguments());
        }
        return continueTurn(memory, context);
    }

    private static String simpleName(ServiceCall call) {
        String name = call.interfaceName();
        return name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1);
    }

    private ToolExecutionResult run(ToolExecutionRequest call, InvocationContext context) {
        ToolExecutor executor = registry.executor(call.name());
        if (executor == null) {
            return error("There is no tool named '" + call.name() + "'.");
        }
        return executor.executeWithContext(call, context);
    }

    private static void replaceResults(ChatMemory memory, Map<String, ToolExecutionResultMessage> results) {
        if (results.isEmpty()) {
            return;
        }
        List<ChatMessage> messages = new ArrayList<>(memory.messages());
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) instanceof ToolExecutionResultMessage m && results.containsKey(m.id())) {
                messages.set(i, results.get(m.id()));
            }
        }
        memory.set(messages);
    }

    /** Calls the model with the repaired memory and runs further tool calls until it answers. */
    private String continueTurn(ChatMemory memory, InvocationContext first) {
        InvocationContext context = first;
        for (int round = 0; round < MAX_ROUND_TRIPS; round++) {
            AiMessage ai = settings.chatModel().chat(ChatRequest.builder().messages(memory.messages())
                    .toolSpecifications(registry.current(context)).build()).aiMessage();
            memory.add(ai);
            if (!ai.hasToolExecutionRequests()) {
                return ai.text();
            }
            context = context.toBuilder().invocationId(UUID.randomUUID()).timestampNow().build();
            List<ToolExecutionResultMessage> results = new ArrayList<>();
            for (ToolExecutionRequest call : ai.toolExecutionRequests()) {
                ToolExecutor executor = registry.executor(call.name());
                if (executor == null) {
                    results.add(ToolExecutionResultMessage.builder().id(call.id()).toolName(call.name())
                            .text("There is no tool named '" + call.name() + "'.").isError(true).build());
                    continue;
                }
                try {
                    results.add(resultMessage(call, executor.executeWithContext(call, context)));
                } catch (ConsentInterruptException interrupt) {
                    throw interrupts.settle(interrupt);
                } catch (AgentAuthException operators) {
                    results.forEach(memory::add);
                    interrupts.answerUnanswered(memory.id(), AgentRuntime.NOT_RUN);
                    throw operators;
                }
            }
            results.forEach(memory::add);
        }
        throw new AgentAuthException("the model kept calling tools for " + MAX_ROUND_TRIPS + " rounds after resume;"
                + " stopped", null, null);
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
}
