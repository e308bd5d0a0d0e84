package dev.agentauth.core;

/**
 * Told when a user must authorize: print the URL, push a card to a streaming UI, open a browser. Called on the
 * requesting thread, before it starts waiting; must be thread-safe and quick. An exception thrown here is logged and
 * ignored.
 */
@FunctionalInterface
public interface ConsentListener {

    void onConsentRequired(ConsentRequirement consent);
}
