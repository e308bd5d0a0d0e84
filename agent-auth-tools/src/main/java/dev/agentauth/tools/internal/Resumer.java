package dev.agentauth.tools.internal;

import static dev.agentauth.tools.internal.ToolResults.consentFailure;
import static dev.agentauth.tools.internal.ToolResults.error;
import static dev.agentauth.tools.internal.ToolResults.resultMessage;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.tools.ConsentInterruptException;
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

    Resumer(AgentRuntime.Settings settings, ToolRegistry registry, InterruptRegistry interrupts, Services services) {
        this.services = services;
        this.settings = settings;
        this.registry = registry;
        this.interrupts = interrupts;
    }

    /** The open interrupt {@code interruptId}, which must be {@code user}'s; {@code verb} names the refused action. */
    private InterruptRegistry.Interrupted owned(String interruptId, String user, String verb) {
        Objects.requireNonNull(interruptId, "interruptId");
        Objects.requireNonNull(user, "user");
        InterruptRegistry.Interrupted state = interrupts.find(interruptId);
        if (state == null) {
            throw new ResumeRejectedException(ResumeRejectedException.Reason.UNKNOWN, "interrupt " + interruptId
                    + " is unknown: it was already resumed, expired and was discarded, or never issued",
                    Principal.user(user), null);
        }
        if (!user.equals(state.principal.user())) {
            log.warn("{} of interrupt {} refused: it belongs to another user", verb, interruptId);
            throw new ResumeRejectedException(ResumeRejectedException.Reason.WRONG_USER, "interrupt " + interruptId
                    + " belongs to another user; only that user can " + verb + " it", Principal.user(user), null);
        }
        return state;
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
        if (!interrupts.take(state)) {
            throw new ResumeRejectedException(ResumeRejectedException.Reason.UNKNOWN, "interrupt " + interruptId
                    + " was resumed concurrently", state.principal, null);
        }
        InvocationContext.Builder builder = InvocationContext.builder().invocationId(UUID.randomUUID())
                .chatMemoryId(state.memoryId)
                .invocationParameters(state.parameters != null ? state.parameters : new InvocationParameters())
                .timestampNow();
        InvocationContext context = (state.call != null ? state.call.into(builder) : builder).build();
        Map<String, ToolExecutionResultMessage> results = new LinkedHashMap<>();
        ChatMemory memory = settings.memory().get(state.memoryId);
        for (ToolExecutionRequest call : state.batch) {
            if (state.journal.completed.containsKey(call.id())) {
                continue; // already answered in memory by settle()
            }
            ConsentRequirement consent = state.consentByCall.get(call.id());
            ConsentEnd outcome = consent == null ? ConsentEnd.GRANTED : outcomes.get(consent.id().value());
            ToolExecutionResult result;
            if (outcome != ConsentEnd.GRANTED) {
                result = error(consentFailure(consent.providerDisplayName(), outcome.reason));
            } else {
                try {
                    result = run(call, context);
                } catch (ConsentInterruptException again) {
                    // The call needs more than the user granted (step-up): a new interrupt for the rest of the turn.
                    replaceResults(memory, results);
                    throw interrupts.carryOver(state, results, again);
                } catch (AgentAuthException operators) {
                    // The operator's to fix (ToolFailures): what ran is kept; the rest keeps its placeholder.
                    replaceResults(memory, results);
                    throw operators;
                }
            }
            results.put(call.id(), resultMessage(call, result));
        }
        replaceResults(memory, results);
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
