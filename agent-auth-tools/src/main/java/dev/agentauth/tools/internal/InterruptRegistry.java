package dev.agentauth.tools.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.tools.ConsentInterrupt;
import dev.agentauth.tools.ConsentInterruptException;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.service.tool.ToolExecutionResult;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open consent interrupts, from the first tool call of a turn that needs a consent until the turn is resumed. Where an
 * interrupt's state lives while a turn waits:
 *
 * <pre>
 *  tool call needs consent ──► raise(): one Interrupted per invocation id (byInvocation), listing every missing
 *                              consent of the turn (look-ahead at the turn's other tool calls)
 *  interrupt leaves the AI service ──► settle(): waits for the turn's other calls (TurnJournals), then answers every
 *                              tool call in chat memory (results, placeholders), so memory stays valid
 *                              and stores it (persist): from now on the InterruptStore is where it lives, for
 *                              every replica sharing the store and across restarts
 *  resume ──► take(): removes the stored interrupt atomically, so each waiting call runs exactly once, on whichever
 *                              replica wins
 * </pre>
 *
 * Interrupt ids come from the injected {@link SecureRandom}. Thread-safe; {@link #settle} blocks up to a minute on the
 * turn's running tool calls.
 */
final class InterruptRegistry {

    private static final Logger log = LoggerFactory.getLogger(InterruptRegistry.class);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** An interrupted turn, until it is resumed. */
    static final class Interrupted {
        final String id;
        final UUID invocationId;
        final Object memoryId;
        final Principal principal;
        final InvocationParameters parameters;
        final List<ToolExecutionRequest> batch;
        final Map<String, ConsentRequirement> consentByCall = new LinkedHashMap<>();
        final TurnJournals.Journal journal;
        final ServiceCall call;
        volatile ConsentInterrupt snapshot;
        boolean settled;
        /** As the interrupt store holds it (its state and lease), when read from there; else {@code null}. */
        dev.agentauth.core.store.StoredInterrupt stored;

        Interrupted(String id, UUID invocationId, Object memoryId, Principal principal,
                    InvocationParameters parameters, List<ToolExecutionRequest> batch, TurnJournals.Journal journal,
                    ServiceCall call) {
            this.call = call;
            this.id = id;
            this.invocationId = invocationId;
            this.memoryId = memoryId;
            this.principal = principal;
            this.parameters = parameters;
            this.batch = batch;
            this.journal = journal;
        }
    }

    private final AgentRuntime.Settings settings;
    private final Map<String, ToolBinding> bindings;
    private final TurnJournals journals;
    private final SecureRandom random;
    /** Turns being interrupted here: from the first tool call that needs a consent until settled and stored. */
    private final ConcurrentHashMap<String, Interrupted> interrupts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Interrupted> byInvocation = new ConcurrentHashMap<>();
    private final StoredInterrupts storage;
    private final dev.agentauth.core.internal.Telemetry telemetry;

    InterruptRegistry(AgentRuntime.Settings settings, Map<String, ToolBinding> bindings, TurnJournals journals,
                      InterruptCodec codec) {
        this(settings, bindings, journals, codec, dev.agentauth.core.internal.Telemetry.NONE);
    }

    InterruptRegistry(AgentRuntime.Settings settings, Map<String, ToolBinding> bindings, TurnJournals journals,
                      InterruptCodec codec, dev.agentauth.core.internal.Telemetry telemetry) {
        this.telemetry = telemetry;
        this.settings = settings;
        this.bindings = bindings;
        this.journals = journals;
        this.random = settings.random();
        this.storage = new StoredInterrupts(settings.interruptStore(), codec, settings.clock(),
                settings.interruptRetention());
    }

    /**
     * Records that a tool call of this turn needs {@code consent}. The first call to need one creates the turn's
     * interrupt and looks ahead at the turn's other tool calls, so one interrupt lists every missing consent.
     */
    ConsentInterruptException raise(InvocationContext context, Principal principal, ToolExecutionRequest request,
                                    ConsentRequirement consent) {
        UUID invocationId = TurnJournals.invocationId(context);
        Interrupted state = byInvocation.computeIfAbsent(invocationId, id -> {
            List<ToolExecutionRequest> batch = batchOf(context.chatMemoryId(), request);
            Interrupted s = new Interrupted(newId(), invocationId, context.chatMemoryId(), principal,
                    context.invocationParameters(), batch, journals.of(context), ServiceCall.of(context));
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

    /**
     * Called when an interrupt has left the AI service: waits for the turn's other tool calls to finish, then gives
     * every tool call of the turn a result in chat memory (the real one, or a placeholder for those that wait).
     * Returns the interrupt to throw, with its final content.
     */
    ConsentInterruptException settle(ConsentInterruptException thrown) {
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
                    memory.add(done != null ? ToolResults.resultMessage(call, done)
                            : ToolExecutionResultMessage.from(call,
                            "Waiting for the user to authorize; this call runs when they do."));
                }
                persist(state);
            }
            return new ConsentInterruptException(state.snapshot);
        }
    }

    /** Stores a settled interrupt ({@link StoredInterrupts}) and drops it from this process's in-flight table. */
    private void persist(Interrupted state) {
        telemetry.start("agentauth.interrupt.raise").tag("consents", state.snapshot.consents().size() > 1 ? "several"
                : "one").tag("mode", settings.mode().name().toLowerCase(java.util.Locale.ROOT)).stop();
        storage.save(state);
        interrupts.remove(state.id, state);
    }

    /** The open interrupt with this id, from the store (any replica may have raised it). */
    Optional<ConsentInterrupt> interrupt(String id) {
        Interrupted s = find(id);
        return s == null ? Optional.empty() : Optional.ofNullable(s.snapshot);
    }

    /** {@code user}'s open interrupts, oldest first: the cards a chat shows again after a reload. */
    List<ConsentInterrupt> pending(String user) {
        return storage.pending(user);
    }

    /** The stored interrupt's state, or {@code null} when there is none (or it is past its retention). */
    Interrupted find(String id) {
        return storage.find(id);
    }

    /** Where settled interrupts are stored and claimed for resumes. */
    StoredInterrupts storage() {
        return storage;
    }

    /**
     * A resumed call raised a new interrupt: the new one takes over the turn. Memory already answers every call
     * (results so far, placeholders for the rest), so it is settled at once.
     */
    ConsentInterruptException carryOver(Interrupted previous, Map<String, ToolExecutionResultMessage> done,
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
            persist(next);
            return new ConsentInterruptException(next.snapshot);
        }
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
            if (!consents.containsKey(c.id().value())) {
                consents.put(c.id().value(), card(c, s.principal));
            }
        }
        List<ConsentInterrupt.WaitingToolCall> waiting = new ArrayList<>();
        for (ToolExecutionRequest call : s.batch) {
            if (!s.journal.completed.containsKey(call.id())) {
                ConsentRequirement c = s.consentByCall.get(call.id());
                ToolBinding b = bindings.get(call.name());
                String description = b != null ? b.specification().description() : null;
                waiting.add(new ConsentInterrupt.WaitingToolCall(call.id(), call.name(),
                        c == null ? null : c.provider().value(), description));
            }
        }
        Instant expires = s.consentByCall.values().stream().map(ConsentRequirement::expiresAt)
                .min(Comparator.naturalOrder()).orElse(settings.clock().instant());
        return new ConsentInterrupt(s.id, s.principal.user(), s.principal.agent(), List.copyOf(consents.values()),
                waiting, expires);
    }

    /** Protocol scopes a person has nothing to decide about: never shown on a card. */
    private static final java.util.Set<String> PLUMBING = java.util.Set.of("openid", "offline_access");

    /**
     * One card's content: the scopes in words, those the user granted before marked, and the account they connected
     * (a step-up adds scopes to the same account). Reads the user's grants; a store failure leaves the details out.
     */
    private ConsentInterrupt.Consent card(ConsentRequirement c, Principal principal) {
        dev.agentauth.core.Provider provider = null;
        dev.agentauth.core.Scopes granted = dev.agentauth.core.Scopes.NONE;
        String account = null;
        try {
            provider = settings.broker().provider(c.provider());
            for (dev.agentauth.core.GrantInfo g : settings.broker().grants(principal.user())) {
                if (g.provider().equals(c.provider()) && g.flow().asksUser()) {
                    granted = granted.union(g.scopes());
                    if (g.account() != null) {
                        account = g.account().email() != null ? g.account().email()
                                : g.account().username() != null ? g.account().username() : null;
                    }
                }
            }
        } catch (RuntimeException e) {
            log.debug("consent card of {}: grants unavailable ({})", c.id(), e.getClass().getSimpleName());
        }
        List<ConsentInterrupt.ScopeDetail> details = new ArrayList<>();
        for (String scope : c.scopes().values()) {
            if (PLUMBING.contains(scope)) {
                continue;
            }
            String description = provider != null ? provider.scopeDescription(scope).orElse(null) : null;
            details.add(new ConsentInterrupt.ScopeDetail(scope, description,
                    granted.containsAll(dev.agentauth.core.Scopes.of(scope))));
        }
        ConsentRequirement.DeviceCode device = c.device();
        return new ConsentInterrupt.Consent(c.id().value(), c.provider().value(), c.providerDisplayName(),
                List.copyOf(c.scopes().values()), c.authorizationUri().toString(), c.expiresAt(), details, account,
                device == null ? null : device.userCode(), device == null ? null : device.verificationUri().toString(),
                device == null || device.verificationUriComplete() == null ? null
                        : device.verificationUriComplete().toString());
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
     * Gives each tool call of the last tool-calling message in {@code memoryId}'s memory that has no result yet the
     * result {@code text}, so that memory holds no unanswered tool call.
     */
    void answerUnanswered(Object memoryId, String text) {
        ChatMemory memory = memory(memoryId);
        List<dev.langchain4j.data.message.ChatMessage> messages = memory.messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof dev.langchain4j.data.message.AiMessage ai && ai.hasToolExecutionRequests()) {
                java.util.Set<String> answered = new java.util.HashSet<>();
                for (int j = i + 1; j < messages.size(); j++) {
                    if (messages.get(j) instanceof ToolExecutionResultMessage r) {
                        answered.add(r.id());
                    }
                }
                for (ToolExecutionRequest call : ai.toolExecutionRequests()) {
                    if (!answered.contains(call.id())) {
                        memory.add(ToolExecutionResultMessage.from(call, text));
                    }
                }
                return;
            }
        }
    }

    private ChatMemory memory(Object memoryId) {
        return settings.memory().get(memoryId);
    }

    private String newId() {
        byte[] b = new byte[12];
        random.nextBytes(b);
        return B64.encodeToString(b);
    }
}
