package dev.agentauth.core.internal;

import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.AuditListener;
import dev.agentauth.core.ConnectedAccount;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers audit events and consent notices to the application's listeners. A listener that throws is logged (its
 * class and the exception's class, never its message, which might quote a secret) and does not stop the others or
 * the broker. Thread-safe; blocks for as long as the listeners do.
 */
final class AuditTrail {

    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

    private final List<AuditListener> auditListeners;
    private final List<ConsentListener> consentListeners;
    private final Clock clock;

    AuditTrail(List<AuditListener> auditListeners, List<ConsentListener> consentListeners, Clock clock) {
        this.auditListeners = List.copyOf(auditListeners);
        this.consentListeners = List.copyOf(consentListeners);
        this.clock = clock;
    }

    /** {@code detail} is an OAuth error code or a short reason, never a secret. */
    void record(AuditEvent.Type type, ProviderId provider, Principal principal, Scopes scopes, ConsentId id,
                String detail) {
        record(type, provider, principal, scopes, id, detail, null);
    }

    /** As above, naming the identity-provider account involved. */
    void record(AuditEvent.Type type, ProviderId provider, Principal principal, Scopes scopes, ConsentId id,
                String detail, ConnectedAccount account) {
        if (auditListeners.isEmpty()) {
            return;
        }
        AuditEvent event = new AuditEvent(type, provider, principal, scopes, id, clock.instant(), detail, account);
        for (AuditListener listener : auditListeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("audit listener {} failed on {}: {}", listener.getClass().getName(), type,
                        e.getClass().getName());
            }
        }
    }

    /** Tells every configured consent listener that {@code consent} was started. */
    void consentStarted(ConsentRequirement consent) {
        for (ConsentListener listener : consentListeners) {
            notify(listener, consent);
        }
    }

    static void notify(ConsentListener listener, ConsentRequirement consent) {
        try {
            listener.onConsentRequired(consent);
        } catch (RuntimeException e) {
            log.warn("consent listener {} failed for consent {}: {}", listener.getClass().getName(), consent.id(),
                    e.getClass().getName());
        }
    }
}
