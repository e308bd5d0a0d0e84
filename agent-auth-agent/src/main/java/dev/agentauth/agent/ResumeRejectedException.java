package dev.agentauth.agent;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;

/** A resume (or decline) refused: the interrupt is unknown, belongs to another user, still waits, or is running. */
public class ResumeRejectedException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    /** Why a resume was refused. */
    public enum Reason {
        /** No such interrupt: never issued here, already resumed, or discarded after it expired. */
        UNKNOWN,
        /** The interrupt belongs to another user. */
        WRONG_USER,
        /** The user has not finished every consent yet (and none has expired); resume again later. */
        CONSENT_PENDING,
        /**
         * The interrupted turn cannot continue on this agent: the framework call it began with cannot be made again
         * here (in LangChain4j, the AI service was not built on this replica yet: no {@code aiService(X.class)}; or
         * the call's arguments could not be kept). The interrupt stays open: resume it where it can continue.
         *
         * @since 0.2.0
         */
        SERVICE_UNAVAILABLE,
        /**
         * Another resume of this interrupt is running right now (on this replica or another) and holds its lease. If
         * that resume's replica dies, its lease runs out and a resume then takes over; try again in a moment.
         *
         * @since 0.3.0
         */
        IN_PROGRESS
    }

    private final Reason reason;
    private final transient ConsentInterrupt interrupt;

    public ResumeRejectedException(Reason reason, String message, Principal principal, ConsentInterrupt interrupt) {
        super(message, null, principal, null, reason == Reason.IN_PROGRESS || reason == Reason.CONSENT_PENDING,
                null);
        this.reason = reason;
        this.interrupt = interrupt;
    }

    public Reason reason() {
        return reason;
    }

    /** The interrupt, still open, for {@link Reason#CONSENT_PENDING}; otherwise {@code null}. */
    public ConsentInterrupt interrupt() {
        return interrupt;
    }
}
