package dev.agentauth.tools.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.ConsentRequiredException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.tools.ConsentInterrupt;
import dev.agentauth.tools.ConsentInterruptException;
import dev.agentauth.tools.ConsentMode;
import dev.agentauth.tools.InsufficientScopeException;
import dev.agentauth.tools.PrincipalResolver;
import dev.agentauth.tools.ResumeRejectedException;
import dev.agentauth.tools.TokenRejectedException;
import dev.agentauth.tools.ToolCredential;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.invocation.LangChain4jManaged;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.service.tool.ToolErrorHandlerResult;
import dev.langchain4j.service.tool.ToolExecutionErrorHandler;
import dev.langchain4j.service.tool.ToolExecutionResult;
import dev.langchain4j.service.tool.ToolExecutor;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs authenticated tools: finds the principal, gets the credential, injects it, handles 401/403, turns a missing
 * consent into an interrupt (or a wait, or a message to the model), keeps chat memory valid, and resumes interrupted
 * turns. Thread-safe.
 */
public final class AgentRuntime {

    private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Duration JOURNAL_TTL = Duration.ofMinutes(30);
    private static final int MAX_ROUND_TRIPS = 25;

    /** Settings the public builder checked. */
    public record Settings(TokenBroker broker, ChatModel chatModel, ChatMemoryProvider memory,
                           PrincipalResolver principals, ConsentMode mode, Duration blockingTimeout,
                           ConsentListener consentListener, Clock clock, Duration interruptRetention) {
    }

    private final Settings settings;
    private final Map<String, ToolBinding> bindings;
    private final Map<String, ToolExecutor> executors;
    private final List<ToolSpecification> specifications;
    private final ConcurrentHashMap<UUID, Journal> journals = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Interrupted> interrupts = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    public AgentRuntime(Settings settings, List<ToolBinding> tools) {
        this.settings = settings;
        Map<String, ToolBinding> byName = new LinkedHashMap<>();
        for (ToolBinding t : tools) {
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("two tools are named '" + t.name() + "'");
            }
        }
        this.bindings = Map.copyOf(byName);
        Map<String, ToolExecutor> execs = new LinkedHashMap<>();
        byName.forEach((name, binding) -> execs.put(name, new Executor(binding)));
        this.executors = execs;
        this.specifications = byName.values().stream().map(ToolBinding::specification).toList();
    }

    /** The tools as LangChain4j wants them: specification → executor. */
    public Map<ToolSpecification, ToolExecutor> toolMap() {
        Map<ToolSpecification, ToolExecutor> map = new LinkedHashMap<>();
        for (ToolBinding b : bindings.values()) {
            map.put(b.specification(), executors.get(b.name()));
        }
        return map;
    }

    public List<ToolSpecification> specifications() {
        return specifications;
    }

    /** Lets a consent interrupt leave the AI service; every other error goes to the model as text. */
    public ToolExecutionErrorHandler errorHandler() {
        return (error, context) -> {
            if (error instanceof ConsentInterruptException interrupt) {
                throw interrupt;
            }
            String message = error.getMessage();
            return ToolErrorHandlerResult.text(message == null || message.isBlank()
                    ? error.getClass().getSimpleName() : message);
        };
    }

    // ------------------------------------------------------------------------------------------------- execution

    /** Wraps one tool: journals its outcome for the turn, and for authenticated tools obtains and injects the token. */
    private final class Executor implements ToolExecutor {
        private final ToolBinding binding;

        Executor(ToolBinding binding) {
            this.binding = binding;
        }

        @Override
        public String execute(ToolExecutionRequest request, Object memoryId) {
            return executeWithContext(request, InvocationContext.builder().chatMemoryId(memoryId).build())
                    .resultText();
        }

        @Override
        public ToolExecutionResult executeWithContext(ToolExecutionRequest request, InvocationContext context) {
            Journal journal = journal(context);
            journal.inFlight.incrementAndGet();
            try {
                ToolExecutionResult result = binding.authenticated()
                        ? runAuthenticated(binding, request, context)
                        : runPlain(binding, request, context);
                journal.completed.put(request.id(), result);
                return result;
            } catch (ConsentInterruptException e) {
                throw e;
            } catch (RuntimeException e) {
                ToolExecutionResult failed = error(describe(e, null));
                journal.completed.put(request.id(), failed);
                return failed;
            } finally {
                journal.left();
            }
        }
    }

    private ToolExecutionResult runPlain(ToolBinding binding, ToolExecutionRequest request,
                                         InvocationContext context) {
        try {
            return binding.invoker().executeWithContext(request, context);
        } catch (RuntimeException e) {
            return error(describe(e, null));
        }
    }

    private ToolExecutionResult runAuthenticated(ToolBinding binding, ToolExecutionRequest request,
                                                 InvocationContext context) {
        Principal principal = settings.principals().resolve(context);
        TokenRequest tokenRequest = binding.tokenRequest(principal);
        TokenResult result = settings.broker().token(tokenRequest);
        boolean refreshed = false;
        boolean steppedUp = false;
        for (int attempt = 0; attempt < 4; attempt++) {
            if (result instanceof TokenResult.ConsentRequired required) {
                dev.agentauth.core.AccessToken waited = onConsentRequired(binding, request, context, principal,
                        tokenRequest, required.consent());
                if (waited == null) {
                    return tellModel(required.consent());
                }
                result = new TokenResult.Granted(waited);
            }
            dev.agentauth.core.AccessToken token = ((TokenResult.Granted) result).token();
            settings.broker().recordUse(token, principal, "tool " + binding.name());
            try {
                return invoke(binding, request, context, token);
            } catch (TokenRejectedException e) {
                if (!refreshed) {
                    // RFC 6750 §3.1 invalid_token: refresh once (shared with concurrent callers), then retry.
                    refreshed = true;
                    log.debug("tool {}: API rejected the token of {}; refreshing once", binding.name(), principal);
                    result = settings.broker().reportRejected(tokenRequest, token);
                } else if (tokenRequest.flow() == Flow.USER_CONSENT) {
                    result = settings.broker().token(tokenRequest.withForceConsent(true));
                } else {
                    return error("The " + tokenRequest.provider() + " API rejected the agent's credential twice;"
                            + " the tool could not run.");
                }
            } catch (InsufficientScopeException e) {
                if (steppedUp || tokenRequest.flow() != Flow.USER_CONSENT) {
                    return error("The " + tokenRequest.provider() + " API still refuses: it needs scopes ["
                            + e.requiredScopes() + "] that were not granted.");
                }
                steppedUp = true;
                tokenRequest = tokenRequest.withScopes(tokenRequest.scopes().union(e.requiredScopes())
                        .union(token.scopes()));
                result = settings.broker().token(tokenRequest);
                if (result instanceof TokenResult.Granted) {
                    // The grant claims the scopes the API wants: ask the user again rather than loop.
                    result = settings.broker().token(tokenRequest.withForceConsent(true));
                }
            }
        }
        return error("The tool could not obtain a usable credential for " + tokenRequest.provider() + ".");
    }

    /**
     * Acts on a missing consent per mode: throws the interrupt (INTERRUPT), waits for the user and returns the token
     * (BLOCKING), or returns {@code null} so the caller tells the model (TELL_MODEL).
     */
    private dev.agentauth.core.AccessToken onConsentRequired(ToolBinding binding, ToolExecutionRequest request,
                                                             InvocationContext context, Principal principal,
                                                             TokenRequest tokenRequest, ConsentRequirement consent) {
        switch (settings.mode()) {
            case INTERRUPT -> throw raise(context, principal, request, consent);
            case TELL_MODEL -> {
                return null;
            }
            case BLOCKING -> {
                try {
                    return settings.broker().awaitToken(tokenRequest, c -> {
                        if (settings.consentListener() != null) {
                            settings.consentListener().onConsentRequired(c);
                        }
                    }, settings.blockingTimeout());
                } catch (ConsentRequiredException e) {
                    throw new ToolFailure("The user did not authorize " + consent.providerDisplayName() + " within "
                            + settings.blockingTimeout().toSeconds() + " s, so the tool could not run. Ask the user to"
                            + " authorize and try again.");
                } catch (ConsentFailedException e) {
                    throw new ToolFailure(consentFailure(consent.providerDisplayName(), e.reason()));
                }
            }
            default -> throw new IllegalStateException(settings.mode().name());
        }
    }

    private ToolExecutionResult invoke(ToolBinding binding, ToolExecutionRequest request, InvocationContext context,
                                       dev.agentauth.core.AccessToken token) {
        ToolExecutionRequest withToken = request;
        if (binding.tokenParameter() != null) {
            withToken = request.toBuilder().arguments(injectArgument(request.arguments(), binding.tokenParameter(),
                    token.value())).build();
        }
        Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> managed = new HashMap<>();
        if (context.managedParameters() != null) {
            managed.putAll(context.managedParameters());
        }
        managed.put(ToolCredential.class, new ToolCredential(token));
        InvocationContext withCredential = context.toBuilder().managedParameters(managed).build();
        ToolExecutionResult result;
        try {
            result = binding.invoker().executeWithContext(withToken, withCredential);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TokenRejectedException rejected) {
                throw rejected;
            }
            if (cause instanceof InsufficientScopeException insufficient) {
                throw insufficient;
            }
            throw new ToolFailure(describe(e, token.value()));
        }
        return redact(result, token.value());
    }

    // The model may try to pass a value for the credential parameter: it is always overwritten.
    private static String injectArgument(String arguments, String name, String value) {
        Map<String, Object> map;
        try {
            map = arguments == null || arguments.isBlank() ? new LinkedHashMap<>()
                    : JSON.readValue(arguments, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (Exception e) {
            throw new ToolFailure("The tool arguments are not a valid JSON object.");
        }
        map.put(name, value);
        try {
            return JSON.writeValueAsString(map);
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialize tool arguments", e);
        }
    }

    // A tool must never hand its token to the model, even by mistake.
    private static ToolExecutionResult redact(ToolExecutionResult result, String token) {
        String text = result.resultText();
        if (text == null || !text.contains(token)) {
            return result;
        }
        return ToolExecutionResult.builder().isError(result.isError())
                .resultText(text.replace(token, "[redacted credential]")).build();
    }

    private ToolExecutionResult tellModel(ConsentRequirement consent) {
        return ToolExecutionResult.builder().resultText("Authorization needed: " + consent.principal().user()
                + " has not connected " + consent.providerDisplayName() + " (scopes: " + consent.scopes()
                + "). Ask the user to open this link to authorize, then call this tool again: "
                + consent.authorizationUri()).build();
    }

    private static ToolExecutionResult error(String text) {
        return ToolExecutionResult.builder().isError(true).resultText(text).build();
    }

    private static String describe(RuntimeException e, String token) {
        Throwable cause = e instanceof ToolFailure ? e : (e.getCause() != null ? e.getCause() : e);
        String message = cause.getMessage() == null || cause.getMessage().isBlank()
                ? cause.getClass().getSimpleName() : cause.getMessage();
        return token == null ? message : message.replace(token, "[redacted credential]");
    }

    private static String consentFailure(String provider, ConsentFailedException.Reason reason) {
        return switch (reason) {
            case DENIED -> "The user declined to authorize " + provider + ", so the tool could not run. Tell the user"
                    + " it needs that authorization.";
            case EXPIRED -> "The authorization request for " + provider + " expired before the user completed it, so"
                    + " the tool could not run. Offer to try again.";
            default -> "The authorization for " + provider + " did not complete, so the tool could not run.";
        };
    }

    /** A tool failure whose message is safe for the model: no credential, no cause chain. */
    static final class ToolFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ToolFailure(String message) {
            super(message, null, false, false);
        }
    }

    // ------------------------------------------------------------------------------------------------ interrupts

    /** What one AI-service turn's tools did: results by tool call id, and how many calls are still running. */
    private static final class Journal {
        final Instant created;
        final ConcurrentHashMap<String, ToolExecutionResult> completed = new ConcurrentHashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();

        Journal(Instant created) {
            this.created = created;
        }

        synchronized void left() {
            if (inFlight.decrementAndGet() == 0) {
                notifyAll();
            }
        }

        synchronized void awaitQuiet(Duration max) {
            long deadline = System.nanoTime() + max.toNanos();
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** An interrupted turn, until it is resumed. */
    private static final class Interrupted {
        final String id;
        final UUID invocationId;
        final Object memoryId;
        final Principal principal;
        final InvocationParameters parameters;
        final List<ToolExecutionRequest> batch;
        final Map<String, ConsentRequirement> consentByCall = new LinkedHashMap<>();
        final Journal journal;
        volatile ConsentInterrupt snapshot;
        boolean settled;

        Interrupted(String id, UUID invocationId, Object memoryId, Principal principal,
                    InvocationParameters parameters, List<ToolExecutionRequest> batch, Journal journal) {
            this.id = id;
            this.invocationId = invocationId;
            this.memoryId = memoryId;
            this.principal = principal;
            this.parameters = parameters;
            this.batch = batch;
            this.journal = journal;
        }
    }

    private final ConcurrentHashMap<UUID, Interrupted> byInvocation = new ConcurrentHashMap<>();

    private Journal journal(InvocationContext context) {
        UUID id = context.invocationId() != null ? context.invocationId() : new UUID(0, 0);
        Journal journal = journals.get(id);
        if (journal == null) {
            Instant now = settings.clock().instant();
            journal = journals.computeIfAbsent(id, k -> new Journal(now));
            if (journals.size() > 64) {
                Instant horizon = now.minus(JOURNAL_TTL);
                journals.values().removeIf(j -> j.created.isBefore(horizon) && j.inFlight.get() == 0);
            }
        }
        return journal;
    }

    /**
     * Records that a tool call of this turn needs {@code consent}. The first call to need one creates the turn's
     * interrupt and looks ahead at the turn's other tool calls, so one interrupt lists every missing consent.
     */
    private ConsentInterruptException raise(InvocationContext context, Principal principal,
                                            ToolExecutionRequest request, ConsentRequirement consent) {
        UUID invocationId = context.invocationId() != null ? context.invocationId() : new UUID(0, 0);
        Interrupted state = byInvocation.computeIfAbsent(invocationId, id -> {
            List<ToolExecutionRequest> batch = batchOf(context.chatMemoryId(), request);
            Interrupted s = new Interrupted(B64.encodeToString(bytes(12)), invocationId, context.chatMemoryId(),
                    principal, context.invocationParameters(), batch, journal(context));
            lookAhead(s, request);
            interrupts.put(s.id, s);
            return s;
        });
        synchronized (state) {
            state.consentByCall.put(request.id(), consent);
            state.snapshot = snapshot(state);
        }
        log.info("turn of {} interrupted: interrupt {} waits for consent {} ({})", principal, state.id, consent.id(),
                consent.provider());
        return new ConsentInterruptException(state.snapshot);
    }

    private void lookAhead(Interrupted state, ToolExecutionRequest current) {
        for (ToolExecutionRequest other : state.batch) {
            ToolBinding b = bindings.get(other.name());
            if (other.id().equals(current.id()) || b == null || !b.authenticated()) {
                continue;
            }
            try {
                TokenResult r = settings.broker().token(b.tokenRequest(state.principal));
                if (r instanceof TokenResult.ConsentRequired required) {
                    state.consentByCall.put(other.id(), required.consent());
                }
            } catch (AgentAuthException e) {
                log.debug("look-ahead for tool {} failed: {}", other.name(), e.getMessage());
            }
        }
    }

    private ConsentInterrupt snapshot(Interrupted s) {
        Map<String, ConsentInterrupt.Consent> consents = new LinkedHashMap<>();
        for (ConsentRequirement c : s.consentByCall.values()) {
            consents.putIfAbsent(c.id().value(), new ConsentInterrupt.Consent(c.id().value(), c.provider().value(),
                    c.providerDisplayName(), List.copyOf(c.scopes().values()), c.authorizationUri().toString(),
                    c.expiresAt()));
        }
        List<ConsentInterrupt.WaitingToolCall> waiting = new ArrayList<>();
        for (ToolExecutionRequest call : s.batch) {
            if (!s.journal.completed.containsKey(call.id())) {
                ConsentRequirement c = s.consentByCall.get(call.id());
                waiting.add(new ConsentInterrupt.WaitingToolCall(call.id(), call.name(),
                        c == null ? null : c.provider().value()));
            }
        }
        Instant expires = s.consentByCall.values().stream().map(ConsentRequirement::expiresAt)
                .min(Comparator.naturalOrder()).orElse(settings.clock().instant());
        return new ConsentInterrupt(s.id, s.principal.user(), s.principal.agent(), List.copyOf(consents.values()),
                waiting, expires);
    }

    /** The tool calls of the AI message that contains {@code request}, from chat memory. */
    private List<ToolExecutionRequest> batchOf(Object memoryId, ToolExecutionRequest request) {
        List<ChatMessage> messages = memory(memoryId).messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof AiMessage ai && ai.hasToolExecutionRequests()
                    && ai.toolExecutionRequests().stream().anyMatch(r -> Objects.equals(r.id(), request.id()))) {
                return List.copyOf(ai.toolExecutionRequests());
            }
        }
        return List.of(request);
    }

    /**
     * Called when an interrupt has left the AI service: waits for the turn's other tool calls to finish, then gives
     * every tool call of the turn a result in chat memory (the real one, or a placeholder for those that wait).
     * Returns the interrupt to throw, with its final content.
     */
    public ConsentInterruptException settle(ConsentInterruptException thrown) {
        Interrupted state = interrupts.get(thrown.interrupt().id());
        if (state == null) {
            return thrown;
        }
        state.journal.awaitQuiet(Duration.ofSeconds(60));
        synchronized (state) {
            if (!state.settled) {
                state.settled = true;
                byInvocation.remove(state.invocationId, state);
                state.snapshot = snapshot(state);
                ChatMemory memory = memory(state.memoryId);
                for (ToolExecutionRequest call : state.batch) {
                    ToolExecutionResult done = state.journal.completed.get(call.id());
                    memory.add(done != null ? resultMessage(call, done) : ToolExecutionResultMessage.from(call,
                            "Waiting for the user to authorize; this call runs when they do."));
                }
            }
            return new ConsentInterruptException(state.snapshot);
        }
    }

    /** The open interrupt with this id. */
    public java.util.Optional<ConsentInterrupt> interrupt(String id) {
        Interrupted s = interrupts.get(id);
        return s == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(s.snapshot);
    }

    /** Resumes an interrupted turn for {@code user}; the model's continued answer. */
    public String resume(String interruptId, String user) {
        Objects.requireNonNull(interruptId, "interruptId");
        Objects.requireNonNull(user, "user");
        purgeInterrupts();
        Interrupted state = interrupts.get(interruptId);
        if (state == null) {
            throw new ResumeRejectedException(ResumeRejectedException.Reason.UNKNOWN, "interrupt " + interruptId
                    + " is unknown: it was already resumed, expired and was discarded, or never issued here",
                    Principal.user(user), null);
        }
        if (!user.equals(state.principal.user())) {
            log.warn("resume of interrupt {} refused: it belongs to another user", interruptId);
            throw new ResumeRejectedException(ResumeRejectedException.Reason.WRONG_USER, "interrupt " + interruptId
                    + " belongs to another user; only that user can resume it", Principal.user(user), null);
        }
        settle(new ConsentInterruptException(state.snapshot));
        Map<String, ConsentOutcome> outcomes = new HashMap<>();
        for (ConsentRequirement c : new LinkedHashMap<>(state.consentByCall).values()) {
            ConsentOutcome outcome = outcome(c);
            if (outcome == ConsentOutcome.PENDING) {
                throw new ResumeRejectedException(ResumeRejectedException.Reason.CONSENT_PENDING, "user " + user
                        + " has not yet authorized " + c.providerDisplayName() + " (consent " + c.id()
                        + "); resume again once they have", state.principal, state.snapshot);
            }
            outcomes.put(c.id().value(), outcome);
        }
        if (!interrupts.remove(interruptId, state)) {
            throw new ResumeRejectedException(ResumeRejectedException.Reason.UNKNOWN, "interrupt " + interruptId
                    + " was resumed concurrently", state.principal, null);
        }
        InvocationContext context = InvocationContext.builder().invocationId(UUID.randomUUID())
                .chatMemoryId(state.memoryId)
                .invocationParameters(state.parameters != null ? state.parameters : new InvocationParameters())
                .timestampNow().build();
        Map<String, ToolExecutionResultMessage> results = new LinkedHashMap<>();
        ChatMemory memory = memory(state.memoryId);
        for (ToolExecutionRequest call : state.batch) {
            if (state.journal.completed.containsKey(call.id())) {
                continue; // already answered in memory by settle()
            }
            ConsentRequirement consent = state.consentByCall.get(call.id());
            ConsentOutcome outcome = consent == null ? ConsentOutcome.GRANTED : outcomes.get(consent.id().value());
            ToolExecutionResult result;
            if (outcome != ConsentOutcome.GRANTED) {
                result = error(consentFailure(consent.providerDisplayName(), outcome.reason));
            } else {
                try {
                    result = runOnResume(call, context);
                } catch (ConsentInterruptException again) {
                    // The call needs more than the user granted (step-up): a new interrupt for the rest of the turn.
                    replaceResults(memory, results);
                    throw carryOver(state, results, again);
                }
            }
            results.put(call.id(), resultMessage(call, result));
        }
        replaceResults(memory, results);
        log.info("interrupt {} resumed for {}: {} waiting tool call(s) answered", interruptId, state.principal,
                results.size());
        return continueTurn(memory, context);
    }

    private ToolExecutionResult runOnResume(ToolExecutionRequest call, InvocationContext context) {
        ToolExecutor executor = executors.get(call.name());
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

    /**
     * A resumed call raised a new interrupt: the new one takes over the turn. Memory already answers every call
     * (results so far, placeholders for the rest), so it is settled at once.
     */
    private ConsentInterruptException carryOver(Interrupted previous, Map<String, ToolExecutionResultMessage> done,
                                                ConsentInterruptException raised) {
        Interrupted next = interrupts.get(raised.interrupt().id());
        if (next == null) {
            return raised;
        }
        synchronized (next) {
            next.journal.completed.putAll(previous.journal.completed);
            done.forEach((id, m) -> next.journal.completed.put(id, ToolExecutionResult.builder()
                    .isError(Boolean.TRUE.equals(m.isError())).resultText(m.text()).build()));
            next.consentByCall.keySet().removeIf(next.journal.completed::containsKey);
            next.settled = true;
            byInvocation.remove(next.invocationId, next);
            next.snapshot = snapshot(next);
            return new ConsentInterruptException(next.snapshot);
        }
    }

    /** Calls the model with the repaired memory and runs further tool calls until it answers. */
    private String continueTurn(ChatMemory memory, InvocationContext first) {
        InvocationContext context = first;
        for (int round = 0; round < MAX_ROUND_TRIPS; round++) {
            AiMessage ai = settings.chatModel().chat(ChatRequest.builder().messages(memory.messages())
                    .toolSpecifications(specifications).build()).aiMessage();
            memory.add(ai);
            if (!ai.hasToolExecutionRequests()) {
                return ai.text();
            }
            context = context.toBuilder().invocationId(UUID.randomUUID()).timestampNow().build();
            List<ToolExecutionResultMessage> results = new ArrayList<>();
            for (ToolExecutionRequest call : ai.toolExecutionRequests()) {
                ToolExecutor executor = executors.get(call.name());
                if (executor == null) {
                    results.add(ToolExecutionResultMessage.builder().id(call.id()).toolName(call.name())
                            .text("There is no tool named '" + call.name() + "'.").isError(true).build());
                    continue;
                }
                try {
                    results.add(resultMessage(call, executor.executeWithContext(call, context)));
                } catch (ConsentInterruptException interrupt) {
                    throw settle(interrupt);
                }
            }
            results.forEach(memory::add);
        }
        throw new AgentAuthException("the model kept calling tools for " + MAX_ROUND_TRIPS + " rounds after resume;"
                + " stopped", null, null);
    }

    private static ToolExecutionResultMessage resultMessage(ToolExecutionRequest call, ToolExecutionResult result) {
        return ToolExecutionResultMessage.builder().id(call.id()).toolName(call.name())
                .text(result.resultText() == null ? "" : result.resultText()).isError(result.isError()).build();
    }

    private enum ConsentOutcome {
        GRANTED(null), DENIED(ConsentFailedException.Reason.DENIED), EXPIRED(ConsentFailedException.Reason.EXPIRED),
        FAILED(ConsentFailedException.Reason.REJECTED), PENDING(null);

        final ConsentFailedException.Reason reason;

        ConsentOutcome(ConsentFailedException.Reason reason) {
            this.reason = reason;
        }
    }

    private ConsentOutcome outcome(ConsentRequirement consent) {
        CompletableFuture<dev.agentauth.core.AccessToken> f = settings.broker().consentCompletion(consent.id());
        if (f.isDone()) {
            try {
                f.join();
                return ConsentOutcome.GRANTED;
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof ConsentFailedException failed) {
                    return switch (failed.reason()) {
                        case DENIED -> ConsentOutcome.DENIED;
                        case EXPIRED -> ConsentOutcome.EXPIRED;
                        default -> ConsentOutcome.FAILED;
                    };
                }
                return ConsentOutcome.FAILED;
            }
        }
        if (!consent.expiresAt().isAfter(settings.clock().instant())) {
            return ConsentOutcome.EXPIRED;
        }
        return ConsentOutcome.PENDING;
    }

    private void purgeInterrupts() {
        Instant horizon = settings.clock().instant().minus(settings.interruptRetention());
        interrupts.values().removeIf(s -> s.snapshot != null && s.snapshot.expiresAt().isBefore(horizon));
    }

    private ChatMemory memory(Object memoryId) {
        return settings.memory().get(memoryId);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
