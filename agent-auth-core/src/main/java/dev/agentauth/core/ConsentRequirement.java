package dev.agentauth.core;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * The user must authorize before a token can be issued: show {@code authorizationUri} to the user (a link, a card, a
 * popup), then wait with {@link TokenBroker#consentCompletion(ConsentId)} or let the UI resume later.
 *
 * <p>Holds no secret: the PKCE verifier stays in the broker. Immutable and thread-safe; safe to serialize to the UI.
 *
 * @param id                  identifies this consent
 * @param provider            the provider the user authorizes
 * @param providerDisplayName a human name, e.g. {@code GitHub}
 * @param scopes              the scopes asked for (the union with what the user already granted)
 * @param authorizationUri    where the user's browser goes
 * @param expiresAt           after this instant the callback is refused and a new consent is needed
 * @param principal           the user (and agent) the consent is for
 */
public record ConsentRequirement(ConsentId id, ProviderId provider, String providerDisplayName, Scopes scopes,
                                 URI authorizationUri, Instant expiresAt, Principal principal) {

    public ConsentRequirement {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerDisplayName, "providerDisplayName");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(authorizationUri, "authorizationUri");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(principal, "principal");
    }
}
