package dev.agentauth.core;

/**
 * Receives {@link AuditEvent}s. Called synchronously on the thread that caused the event, so keep it quick (hand off to
 * a queue for slow sinks). Must be thread-safe: events arrive from many threads. An exception thrown here is logged
 * and otherwise ignored; it never fails a token request.
 */
@FunctionalInterface
public interface AuditListener {

    void onEvent(AuditEvent event);
}
