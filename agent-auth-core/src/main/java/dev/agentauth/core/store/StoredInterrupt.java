package dev.agentauth.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A paused agent turn as an {@link InterruptStore} keeps it: who it belongs to, when it may be discarded, an opaque
 * payload the agent wrote (the interrupted AI-service call, its tool calls and their arguments, the consents it
 * waits for), and where its resume stands. The payload holds no credential, but tool arguments are the user's data:
 * durable stores encrypt it. Immutable and thread-safe; {@link #toString()} leaves the payload out.
 *
 * @param id         the interrupt id (unguessable, from the agent's {@code SecureRandom})
 * @param user       the user the turn belongs to; only they may resume it
 * @param agent      the agent id
 * @param createdAt  when the turn was interrupted
 * @param purgeAt    after this, stores discard it ({@link InterruptStore#purgeExpiredInterrupts})
 * @param payload    the agent's serialized state (JSON)
 * @param state      where its resume stands
 * @param leaseUntil while {@link State#RESUMING}, until when the resuming replica's lease runs; otherwise {@code null}
 * @since 0.2.0
 */
public record StoredInterrupt(String id, String user, String agent, Instant createdAt, Instant purgeAt,
                              String payload, State state, Instant leaseUntil) {

    /** Where an interrupt's resume stands. */
    public enum State {
        /** Waiting for its user: shown as a card, resumable. */
        OPEN,
        /** A replica is resuming it under a lease; when the lease runs out unrenewed, another may take over. */
        RESUMING,
        /**
         * Resumed to the end. Kept as a tombstone until its purge time, so that a late save of the same interrupt (a
         * retry after a lost acknowledgement, a replica flushing what it kept during an outage) changes nothing.
         */
        DONE
    }

    /** A new, open interrupt. */
    public StoredInterrupt(String id, String user, String agent, Instant createdAt, Instant purgeAt, String payload) {
        this(id, user, agent, createdAt, purgeAt, payload, State.OPEN, null);
    }

    public StoredInterrupt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(purgeAt, "purgeAt");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(state, "state");
        if (state == State.RESUMING) {
            Objects.requireNonNull(leaseUntil, "leaseUntil of a resuming interrupt");
        }
    }

    /** Whether a resume may claim it at {@code now}: open, or its resumer's lease has run out. */
    public boolean resumable(Instant now) {
        return state == State.OPEN || (state == State.RESUMING && leaseUntil.isBefore(now));
    }

    /** This interrupt in another state. */
    public StoredInterrupt with(State newState, Instant newLeaseUntil) {
        return new StoredInterrupt(id, user, agent, createdAt, purgeAt, payload, newState, newLeaseUntil);
    }

    @Override
    public String toString() {
        return "StoredInterrupt[id=" + id + ", user=" + user + ", agent=" + agent + ", createdAt=" + createdAt
                + ", purgeAt=" + purgeAt + ", state=" + state + (leaseUntil != null ? ", leaseUntil=" + leaseUntil : "")
                + ", payload=" + payload.length() + " chars]";
    }
}
