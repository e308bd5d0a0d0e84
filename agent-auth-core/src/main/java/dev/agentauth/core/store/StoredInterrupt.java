package dev.agentauth.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A paused agent turn as an {@link InterruptStore} keeps it: who it belongs to, when it may be discarded, and an opaque
 * payload the agent wrote (the interrupted AI-service call, its tool calls and their arguments, the consents it
 * waits for). The payload holds no credential, but tool arguments are the user's data: durable stores encrypt it.
 * Immutable and thread-safe; {@link #toString()} leaves the payload out.
 *
 * @param id        the interrupt id (unguessable, from the agent's {@code SecureRandom})
 * @param user      the user the turn belongs to; only they may resume it
 * @param agent     the agent id
 * @param createdAt when the turn was interrupted
 * @param purgeAt   after this, stores discard it ({@link InterruptStore#purgeExpiredInterrupts})
 * @param payload   the agent's serialized state (JSON)
 * @since 0.2.0
 */
public record StoredInterrupt(String id, String user, String agent, Instant createdAt, Instant purgeAt,
                              String payload) {

    public StoredInterrupt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(purgeAt, "purgeAt");
        Objects.requireNonNull(payload, "payload");
    }

    @Override
    public String toString() {
        return "StoredInterrupt[id=" + id + ", user=" + user + ", agent=" + agent + ", createdAt=" + createdAt
                + ", purgeAt=" + purgeAt + ", payload=" + payload.length() + " chars]";
    }
}
