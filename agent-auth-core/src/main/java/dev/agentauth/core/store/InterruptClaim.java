package dev.agentauth.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A replica's claim to resume one interrupt ({@link InterruptStore#claimInterrupt}): the interrupt, the lease, and
 * the progress an earlier claimant recorded before its lease ran out. The {@code epoch} fences claims: each claim of
 * an interrupt gets a higher one, and the store accepts renewals, progress and the end of a resume only from the
 * current epoch, so a resumer that stalled past its lease can no longer write over the replica that took over.
 * Immutable and thread-safe; {@link #toString()} leaves interrupt payload and progress out.
 *
 * @param interrupt  the interrupt, as claimed ({@link StoredInterrupt.State#RESUMING})
 * @param owner      who claimed it (a replica's random id, for logs)
 * @param epoch      this claim's fencing number
 * @param leaseUntil until when the claim holds unless renewed
 * @param progress   what the previous claimant recorded of its progress (opaque to the store, encrypted by durable
 *                   stores: tool results are the user's data), or {@code null}
 * @param takenOver  whether this claim took the interrupt over from a claimant whose lease ran out
 * @since 0.3.0
 */
public record InterruptClaim(StoredInterrupt interrupt, String owner, long epoch, Instant leaseUntil, String progress,
                             boolean takenOver) {

    public InterruptClaim {
        Objects.requireNonNull(interrupt, "interrupt");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(leaseUntil, "leaseUntil");
    }

    /** The interrupt's id. */
    public String id() {
        return interrupt.id();
    }

    /** This claim with its lease moved to {@code until} and its progress, after a successful renewal. */
    public InterruptClaim renewed(Instant until, String newProgress) {
        return new InterruptClaim(interrupt, owner, epoch, until, newProgress != null ? newProgress : progress,
                takenOver);
    }

    @Override
    public String toString() {
        return "InterruptClaim[id=" + interrupt.id() + ", owner=" + owner + ", epoch=" + epoch + ", leaseUntil="
                + leaseUntil + ", takenOver=" + takenOver + (progress != null ? ", progress=" + progress.length()
                + " chars" : "") + "]";
    }
}
