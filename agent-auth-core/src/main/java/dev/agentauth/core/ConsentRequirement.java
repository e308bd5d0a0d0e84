package dev.agentauth.core;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The user must authorize before a token can be issued: show {@code authorizationUri} to the user (a link, a card, a
 * popup), then wait with {@link TokenBroker#consentCompletion(ConsentId)} or let the UI resume later. For a provider
 * that uses the device authorization grant (RFC 8628), {@link #deviceCode()} holds the code the user enters and where;
 * the broker polls for their approval meanwhile, and {@code authorizationUri} is the verification URI (its complete
 * form when the provider gives one).
 *
 * <p>Holds no secret: the PKCE verifier and a device code stay in the broker. Immutable and thread-safe; safe to
 * serialize to the UI.
 *
 * @param id                  identifies this consent
 * @param provider            the provider the user authorizes
 * @param providerDisplayName a human name, e.g. {@code GitHub}
 * @param scopes              the scopes asked for (the union with what the user already granted)
 * @param authorizationUri    where the user's browser goes
 * @param expiresAt           after this instant the callback is refused and a new consent is needed
 * @param principal           the user (and agent) the consent is for
 * @param device              the device authorization's user code, or {@code null} for a browser redirect
 */
public record ConsentRequirement(ConsentId id, ProviderId provider, String providerDisplayName, Scopes scopes,
                                 URI authorizationUri, Instant expiresAt, Principal principal, DeviceCode device) {

    /**
     * What the user of a device authorization (RFC 8628 §3.2) sees: the code to enter and where. Never the device
     * code itself, which stays in the broker.
     *
     * @param userCode                the code the user enters, e.g. {@code WDJB-MJHT}
     * @param verificationUri         where to enter it
     * @param verificationUriComplete the same page with the code filled in (e.g. for a QR code), or {@code null}
     * @param interval                how often the broker polls
     * @since 0.2.0
     */
    public record DeviceCode(String userCode, URI verificationUri, URI verificationUriComplete, Duration interval) {
        public DeviceCode {
            Objects.requireNonNull(userCode, "userCode");
            Objects.requireNonNull(verificationUri, "verificationUri");
            Objects.requireNonNull(interval, "interval");
        }
    }

    public ConsentRequirement {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerDisplayName, "providerDisplayName");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(authorizationUri, "authorizationUri");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(principal, "principal");
    }

    /** A consent through a browser redirect (no device code). */
    public ConsentRequirement(ConsentId id, ProviderId provider, String providerDisplayName, Scopes scopes,
                              URI authorizationUri, Instant expiresAt, Principal principal) {
        this(id, provider, providerDisplayName, scopes, authorizationUri, expiresAt, principal, null);
    }

    /**
     * Whether {@code uri} may be handed to a user or a browser as an authorization or verification URI: an absolute
     * {@code https} URI with a host, or {@code http} to a loopback host ({@code 127.0.0.1}, {@code [::1]},
     * {@code localhost}), without user info. Schemes are compared case-insensitively.
     *
     * <p>Every such URI the broker learns from a provider (a device authorization response, authorization server
     * metadata) passes this check before it reaches a consent requirement, and the MCP layer applies it to what it
     * discovers; a provider that sends anything else is refused with an error naming the field. An endpoint the
     * application configured itself is its own choice (plain {@code http} to another host is logged as a warning when
     * the provider is built). A UI may use this check too before it renders a link.
     *
     * <p>Stateless and thread-safe; no I/O.
     *
     * @param uri the URI, or {@code null} (not safe)
     * @since 0.2.0
     */
    public static boolean isSafeToShow(URI uri) {
        return UriRules.safeToShow(uri);
    }

    /**
     * The user code and verification URI, for a provider using the device authorization grant.
     *
     * @since 0.2.0
     */
    public Optional<DeviceCode> deviceCode() {
        return Optional.ofNullable(device);
    }
}
