package dev.agentauth.agent.internal;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.Continuation;
import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.agent.spi.Turn;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Telemetry;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.StoredInterrupt;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open consent interrupts, from the first tool call of a turn that needs a consent until the turn is resumed. Where an
 * interrupt's state lives while a turn waits:
 *
 * <pre>
 *  tool call needs consent ──► raise(): one Interrupted per turn id (byTurn), listing every missing consent of the
 *                              turn (look-ahead at the turn's other tool calls)
 *  interrupt leaves the framework call ──► settle(): waits for the turn's other calls (TurnJournals), then has the
 *                              adapter answer every tool call in chat memory (results, placeholders), so memory stays
 *                              valid, and stores it (StoredInterrupts): from now on the InterruptStore is where it
 *                              lives, for every replica sharing the store and across restarts
 *  resume ──► Resumer: claims it under a lease, so each waiting call runs once, on whichever replica wins
 * </pre>
 *
 * Interrupt ids come from the injected {@link java.security.SecureRandom}. Thread-safe; {@link #settle} blocks up to
 * a minute on the turn's running tool calls.
 */
final class InterruptRegistry {

    private static final Logger log = LoggerFactory.getLogger(InterruptRegistry.class);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    static final String PLACEHOLDER = "Waiting for the user to authorize; this call runs when they do.";

    /** An interrupted turn, until it is resumed. */
    static final class Interrupted {
        final String id;
        final String turnId;
        final Object memoryId;
        final Principal principal;
        final List<ToolCall> batch;
        final Map<String, ConsentRequirement> consentByCall = new LinkedHashMap<>();
        final TurnJournals.Journal journal;
        final Continuation continuation;
        volatile ConsentInterrupt snapshot;
        boolean settled;
        /** As the interrupt store holds it (its state and lease), when read from there; else {@code null}. */
        dev.agentauth.core.store.StoredInterrupt stored;

        Interrupted(String id, String turnId, Object memoryId, Principal principal, List<ToolCall> batch,
                    TurnJournals.Journal journal, Continuation continuation) {
            this.id = id;
            this.turnId = turnId;
            this.memoryId = memoryId;
            this.principal = principal;
            this.batch = batch;
            this.journal = journal;
            this.continuation = continuation;
        }
    }

    private final AgentSettings settings;
    private final Function<String, ToolBinding> bindings;
    private final TurnJournals journals;
    private final ConsentCards cards;
    private final StoredInterrupts storage;
    private final Telemetry telemetry;
    /** Turns being interrupted here: from the first tool call that needs a consent until settled and stored. */
    private final ConcurrentHashMap<String, Interrupted> interrupts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Interrupted> byTurn = new ConcurrentHashMap<>();

    InterruptRegistry(AgentSettings settings, Function<String, ToolBinding> bindings, TurnJournals journals) {
        this.settings = settings;
        this.bindings = bindings;
        this.journals = journals;
        this.telemetry = settings.telemetry();
        this.cards = new ConsentCards(settings.broker(), settings.clock(), bindings);
        this.storage = new StoredInterrupts(settings.interruptStore(), new InterruptCodec(), settings.clock(),
                settings.interruptRetention());
    }

    /**
     * Records that a tool call of this turn needs {@code consent}. The first call to need one creates the turn's
     * interrupt and looks ahead at the turn's other tool calls, so one interrupt lists every missing consent.
     */
    ConsentInterruptException raise(Turn turn, Principal principal, ToolCall call, ConsentRequirement consent) {
        Interrupted state = byTurn.computeIfAbsent(turn.id(), id -> {
            Interrupted s = new Interrupted(newId(), turn.id(), turn.memoryId(), principal,
                    List.copyOf(turn.batch(call)), journals.of(turn), turn.continuation());
            lookAhead(s, call);
            interrupts.put(s.id, s);
            return s;
        });
        synchronized (state) {
            state.consentByCall.put(call.id(), consent);
            state.snapshot = cards.snapshot(state);
        }
        log.info("turn of {} interrupted: interrupt {} waits for consent {} ({})", principal, state.id, consent.id(),
                consent.provider());
        return new ConsentInterruptException(state.snapshot);
    }

    /**
     * Called when an interrupt has left the framework call: waits for the turn's other tool calls to finish, then has
     * the adapter give every tool call of the turn a result in chat memory (the real one, or a placeholder for those
     * that wait), and stores the interrupt. Returns the interrupt to throw, with its final content.
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
                byTurn.remove(state.turnId, state);
                journals.end(state.turnId);
                state.snapshot = cards.snapshot(state);
                Map<String, ToolResult> answers = new LinkedHashMap<>();
                for (ToolCall call : state.batch) {
                    ToolResult done = state.journal.completed.get(call.id());
                    answers.put(call.id(), done != null ? done : ToolResult.of(PLACEHOLDER));
                }
                settings.framework().settled(state.memoryId, state.batch, answers);
                persist(state);
            }
            return new ConsentInterruptException(state.snapshot);
        }
    }

    /** Stores a settled interrupt ({@link StoredInterrupts}) and drops it from this process's in-flight table. */
    private void persist(Interrupted state) {
        telemetry.start("agentauth.interrupt.raise").tag("consents", state.snapshot.consents().size() > 1 ? "several"
                : "one").tag("mode", settings.mode().name().toLowerCase(Locale.ROOT)).stop();
        storage.save(state);
        interrupts.remove(state.id, state);
    }

    /**
     * The open interrupt with this id, from the store (any replica may have raised it). A finished one is kept as a
     * tombstone until its purge, so that it is never saved again; it is no card to show.
     */
    Optional<ConsentInterrupt> interrupt(String id) {
        Interrupted s = find(id);
        if (s == null || (s.stored != null && s.stored.state() == StoredInterrupt.State.DONE)) {
            return Optional.empty();
        }
        return Optional.ofNullable(s.snapshot);
    }

    /** {@code user}'s open interrupts, oldest first: the cards a chat shows again after a reload. */
    List<ConsentInterrupt> pending(String user) {
        return storage.pending(user);
    }

    /** The stored interrupt's state, or {@code null} when there is none (or it is past its retention). */
    Interrupted find(String id) {
        return storage.find(id);
    }

    /**
     * The framework call of turn {@code turnId} ended: its journal goes, unless the turn raised an interrupt that has
     * not settled yet (then {@link #settle} drops it).
     */
    void turnEnded(String turnId) {
        if (byTurn.isEmpty() || !byTurn.containsKey(turnId)) {
            journals.end(turnId);
        }
    }

    /** How many turn journals are kept (for tests: none once every turn ended). */
    int journals() {
        return journals.size();
    }

    /** Where settled interrupts are stored and claimed for resumes. */
    StoredInterrupts storage() {
        return storage;
    }

    /**
     * A resumed call raised a new interrupt: the new one takes over the turn. Memory already answers every call
     * (results so far, placeholders for the rest), so it is settled at once.
     */
    ConsentInterruptException carryOver(Interrupted previous, Map<String, ToolResult> done,
                                        ConsentInterruptException raised) {
        Interrupted next = interrupts.get(raised.interrupt().id());
        if (next == null) {
            return raised;
        }
        synchronized (next) {
            next.journal.completed.putAll(previous.journal.completed);
            next.journal.completed.putAll(done);
            next.consentByCall.keySet().removeIf(next.journal.completed::containsKey);
            next.settled = true;
            byTurn.remove(next.turnId, next);
            journals.end(next.turnId);
            next.snapshot = cards.snapshot(next);
            persist(next);
            return new ConsentInterruptException(next.snapshot);
        }
    }

    private void lookAhead(Interrupted state, ToolCall current) {
        for (ToolCall other : state.batch) {
            ToolBinding b = bindings.apply(other.name());
            if (other.id().equals(current.id()) || b == null || !b.authenticated()) {
                continue;
            }
            try {
                // A call approved per call gets its own approval now: the card shows every action of the batch.
                TokenResult r = settings.broker().token(b.tokenRequest(state.principal, other));
                if (r instanceof TokenResult.ConsentRequired required) {
                    state.consentByCall.put(other.id(), required.consent());
                }
            } catch (AgentAuthException | IllegalArgumentException e) {
                log.debug("look-ahead for tool {} failed: {}", other.name(), e.getMessage());
            }
        }
    }

    private String newId() {
        byte[] b = new byte[12];
        settings.random().nextBytes(b);
        return B64.encodeToString(b);
    }
}
