package dev.agentauth.core;

import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the user is shown to give a consent, by how they give it — the provider's consent channel: a browser redirect
 * ({@link Redirect}: open the authorization page) or a device code ({@link DeviceCode}: open a page on any device and
 * type a code). A UI renders one per kind; {@link ConsentRequirement#authorizationUri()} is the page to open for
 * either, for a UI that renders only a link.
 *
 * or a backchannel approval ({@link Backchannel}: approve one action on one's own device, after comparing a binding
 * message; no page is opened here). More kinds may follow: code that tells prompts apart with {@code instanceof} or a
 * {@code switch} should keep a branch for a kind it does not know.
 *
 * <p>Every URL in a prompt that came from a provider (a device authorization's verification URIs, an authorization
 * endpoint learned from metadata) passed {@link ConsentRequirement#isSafeToShow(URI)} before the prompt was built; an
 * endpoint the application configured itself is its own choice. Holds no secret: the PKCE verifier, the state and the
 * device code stay in the broker. Immutable and thread-safe; safe to serialize to a UI.
 *
 * @since 0.3.0
 */
public sealed interface ConsentPrompt permits ConsentPrompt.Redirect, ConsentPrompt.DeviceCode,
        ConsentPrompt.Backchannel {

    /**
     * Authorization code with PKCE (RFC 6749 §4.1, RFC 7636): the user's browser opens the authorization page, signs
     * in there, and the provider redirects it back to the broker's callback.
     *
     * @param authorizationUri the authorization request, state and PKCE challenge included: a link, a popup, a button
     */
    record Redirect(URI authorizationUri) implements ConsentPrompt {
        public Redirect {
            Objects.requireNonNull(authorizationUri, "authorizationUri");
        }
    }

    /**
     * Device authorization (RFC 8628 §3.2–3.3): the user opens {@code verificationUri} on any device — a phone — and
     * enters {@code userCode}; the broker polls the provider meanwhile. Never the device code itself.
     *
     * @param userCode                the code the user enters, e.g. {@code WDJB-MJHT}; show it as it is
     * @param verificationUri         where to enter it
     * @param verificationUriComplete the same page with the code filled in (a link, a QR code), or {@code null}
     * @param interval                how often the broker polls, now
     */
    record DeviceCode(String userCode, URI verificationUri, URI verificationUriComplete, Duration interval)
            implements ConsentPrompt {
        public DeviceCode {
            Objects.requireNonNull(userCode, "userCode");
            Objects.requireNonNull(verificationUri, "verificationUri");
            Objects.requireNonNull(interval, "interval");
        }

        /** The page to open: the complete verification URI when the provider gave one, else the verification URI. */
        public URI pageToOpen() {
            return verificationUriComplete != null ? verificationUriComplete : verificationUri;
        }
    }

    /**
     * OpenID CIBA (Client-Initiated Backchannel Authentication Core 1.0, poll mode) with RFC 9396 authorization details:
     * the identity provider asks the user on their own device — a phone app, a push notification — to approve one
     * action; the broker polls meanwhile. Show "approve on your device", the binding message (the user checks that the
     * device shows the same) and the action in words ({@link Approval#summary()}, its details). There is no page to
     * open: {@link ConsentRequirement#authorizationUri()} is then {@link #NO_PAGE}, which
     * {@link ConsentRequirement#isSafeToShow(URI)} refuses, so a UI that renders only links shows none.
     *
     * @param approval the action to approve and its binding message
     * @param interval how often the broker polls, now
     * @since 0.3.0
     */
    record Backchannel(Approval approval, Duration interval) implements ConsentPrompt {

        /** The {@code authorizationUri} of a backchannel consent: not a page (CIBA's grant type URN). */
        public static final URI NO_PAGE = URI.create("urn:openid:params:grant-type:ciba");

        public Backchannel {
            Objects.requireNonNull(approval, "approval");
            Objects.requireNonNull(interval, "interval");
        }

        /** What the user compares on both devices. */
        public String bindingMessage() {
            return approval.bindingMessage();
        }

        /** The action, as RFC 9396 authorization details (copied). */
        public List<AuthorizationDetail> details() {
            return approval.details();
        }
    }
}
