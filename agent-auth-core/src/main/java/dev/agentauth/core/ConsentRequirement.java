package dev.agentauth.core;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The user must authorize before a token can be issued: show the {@link #prompt()} to the user (a link, a card, a
 * popup; a code to type for a device authorization), then wait with {@link TokenBroker#consentCompletion(ConsentId)}
 * or let the UI resume later. How the user consents — the channel — is the provider's: a browser redirect
 * ({@link ConsentPrompt.Redirect}), or a device code (RFC 8628, {@link ConsentPrompt.DeviceCode}) while the broker polls
 * for the user's approval; the approval of one action is the backchannel's (OpenID CIBA,
 * {@link ConsentPrompt.Backchannel}). {@code authorizationUri} is the page a UI opens: the authorization URL, or the
 * device verification URI (its complete form when the provider gives one); a backchannel approval has no page
 * ({@link ConsentPrompt.Backchannel#NO_PAGE}, which {@link #isSafeToShow} refuses).
 *
 * <p>Holds no secret: the PKCE verifier and a device code stay in the broker. Immutable and thread-safe; safe to
 * serialize to the UI.
 *
 * @param id                  identifies this consent
 * @param provider            the provider the user authorizes
 * @param providerDisplayName a human name, e.g. {@code GitHub}
 * @param scopes              the scopes asked for (the union with what the user already granted)
 * @param authorizationUri    the page the user's browser opens: the prompt's authorization URL or verification page
 * @param expiresAt           after this instant the callback is refused and a new consent is needed
 * @param principal           the user (and agent) the consent is for
 * @param prompt              what the user is shown, by channel; {@code null} in the constructor means a browser
 *                            redirect to {@code authorizationUri}
 */
public record ConsentRequirement(ConsentId id, ProviderId provider, String providerDisplayName, Scopes scopes,
                                 URI authorizationUri, Instant expiresAt, Principal principal, ConsentPrompt prompt) {

    /**
     * What the user of a device authorization (RFC 8628 §3.2) sees: the code to enter and where. Never the device
     * code itself, which stays in the broker.
     *
     * @param userCode                the code the user enters, e.g. {@code WDJB-MJHT}
     * @param verificationUri         where to enter it
     * @param verificationUriComplete the same page with the code filled in (e.g. for a QR code), or {@code null}
     * @param interval                how often the broker polls
     * @since 0.2.0
     * @deprecated since 0.3.0: the prompt of a consent is {@link ConsentRequirement#prompt()}, and a device code's is
     *             {@link ConsentPrompt.DeviceCode} (the same four values); this type remains a bridge for code written
     *             against 0.2.0.
     */
    @Deprecated(since = "0.3.0")
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
        if (prompt == null) {
            prompt = new ConsentPrompt.Redirect(authorizationUri);
        }
        if (!opens(prompt, authorizationUri)) {
            throw new IllegalArgumentException("authorizationUri must be a page of the prompt: its authorization URL,"
                    + " or its verification URI (complete or not)");
        }
    }

    /** A consent through a browser redirect to {@code authorizationUri}. */
    public ConsentRequirement(ConsentId id, ProviderId provider, String providerDisplayName, Scopes scopes,
                              URI authorizationUri, Instant expiresAt, Principal principal) {
        this(id, provider, providerDisplayName, scopes, authorizationUri, expiresAt, principal, (ConsentPrompt) null);
    }

    /**
     * A consent shown as {@code prompt}; {@link #authorizationUri()} is the prompt's page to open.
     *
     * @since 0.3.0
     */
    public ConsentRequirement(ConsentId id, ProviderId provider, String providerDisplayName, Scopes scopes,
                              ConsentPrompt prompt, Instant expiresAt, Principal principal) {
        this(id, provider, providerDisplayName, scopes, pageOf(Objects.requireNonNull(prompt, "prompt")), expiresAt,
                principal, prompt);
    }

    /**
     * A consent through a browser redirect, or a device authorization when {@code device} is not {@code null}.
     *
     * @deprecated since 0.3.0: use the constructor with a {@link ConsentPrompt} ({@link ConsentPrompt.DeviceCode} for
     *             a device authorization).
     */
    @Deprecated(since = "0.3.0")
    public ConsentRequirement(ConsentId id, ProviderId provider, String providerDisplayName, Scopes scopes,
                              URI authorizationUri, Instant expiresAt, Principal principal, DeviceCode device) {
        this(id, provider, providerDisplayName, scopes, authorizationUri, expiresAt, principal, device == null ? null
                : new ConsentPrompt.DeviceCode(device.userCode(), device.verificationUri(),
                        device.verificationUriComplete(), device.interval()));
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
     * @deprecated since 0.3.0: {@link #prompt()} is a {@link ConsentPrompt.DeviceCode} then, with the same values.
     */
    @Deprecated(since = "0.3.0")
    public Optional<DeviceCode> deviceCode() {
        return Optional.ofNullable(device());
    }

    /**
     * The device authorization's user code and verification URI, or {@code null} for another prompt.
     *
     * @deprecated since 0.3.0: {@link #prompt()} is a {@link ConsentPrompt.DeviceCode} then, with the same values.
     */
    @Deprecated(since = "0.3.0")
    public DeviceCode device() {
        return prompt instanceof ConsentPrompt.DeviceCode d
                ? new DeviceCode(d.userCode(), d.verificationUri(), d.verificationUriComplete(), d.interval()) : null;
    }

    /** The page a UI opens for {@code prompt}. */
    private static URI pageOf(ConsentPrompt prompt) {
        if (prompt instanceof ConsentPrompt.DeviceCode d) {
            return d.pageToOpen();
        }
        if (prompt instanceof ConsentPrompt.Backchannel) {
            return ConsentPrompt.Backchannel.NO_PAGE;
        }
        return ((ConsentPrompt.Redirect) prompt).authorizationUri();
    }

    /** Whether {@code uri} is a page of {@code prompt}: a UI that shows only the link still shows the right page. */
    private static boolean opens(ConsentPrompt prompt, URI uri) {
        if (prompt instanceof ConsentPrompt.DeviceCode d) {
            return uri.equals(d.verificationUri()) || uri.equals(d.verificationUriComplete());
        }
        if (prompt instanceof ConsentPrompt.Backchannel) {
            return uri.equals(ConsentPrompt.Backchannel.NO_PAGE);
        }
        return uri.equals(((ConsentPrompt.Redirect) prompt).authorizationUri());
    }
}
