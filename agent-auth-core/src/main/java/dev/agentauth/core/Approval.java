package dev.agentauth.core;

import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import java.util.List;
import java.util.Objects;

/**
 * The one action a user approves on their own device ({@link Flow#USER_APPROVAL}, OpenID CIBA): what it is, as RFC 9396
 * {@code authorization_details} — which the identity provider shows the user and puts into the token, so that the API
 * can check that the token covers exactly this action — and a short {@code binding_message} (CIBA Core §7.1) that the
 * user sees both here and on the device, so they know the request on their phone is the one this agent sent.
 *
 * <p>The binding message is plain text, at most 64 characters, no line breaks. Some providers are stricter: Keycloak
 * takes only {@code [a-zA-Z0-9-._+/!?#]{1,50}} (no spaces), so a code such as {@code PAY-42EUR-bob} goes everywhere.
 * Immutable and thread-safe (the details are copied on the way in and out); holds no secret.
 *
 * @param bindingMessage what the user compares on both devices, e.g. {@code PAY-42EUR-bob}
 * @param details        the action, one or more RFC 9396 authorization details (each with its {@code type})
 * @param summary        the action in words for this application's own UI (a consent card), e.g.
 *                       {@code Pay 42.00 EUR to bob}; never sent to the provider; the binding message when
 *                       {@code null}
 * @since 0.3.0
 */
public record Approval(String bindingMessage, List<AuthorizationDetail> details, String summary) {

    /** CIBA Core §7.1 asks for a message short enough for a small screen. */
    public static final int MAX_BINDING_MESSAGE = 64;

    public Approval {
        Objects.requireNonNull(bindingMessage, "bindingMessage");
        Objects.requireNonNull(details, "details");
        if (bindingMessage.isBlank() || bindingMessage.length() > MAX_BINDING_MESSAGE
                || bindingMessage.chars().anyMatch(c -> c == '\n' || c == '\r')) {
            throw new IllegalArgumentException("the binding message must be 1 to " + MAX_BINDING_MESSAGE
                    + " characters on one line (OpenID CIBA Core §7.1), got " + bindingMessage.length());
        }
        if (details.isEmpty()) {
            throw new IllegalArgumentException("an approval needs at least one authorization detail (RFC 9396 §2)");
        }
        details = details.stream().map(Approval::copy).toList();
        summary = summary == null || summary.isBlank() ? bindingMessage : summary.strip();
    }

    /** An approval of {@code details}, shown with {@code bindingMessage} (also its summary). */
    public Approval(String bindingMessage, List<AuthorizationDetail> details) {
        this(bindingMessage, details, null);
    }

    /** An approval of {@code details}, shown with {@code bindingMessage}. */
    public static Approval of(String bindingMessage, AuthorizationDetail... details) {
        return new Approval(bindingMessage, List.of(details));
    }

    /** This approval with the action in words for the application's UI. */
    public Approval withSummary(String words) {
        return new Approval(bindingMessage, details, words);
    }

    /** The details, copied: Nimbus's {@link AuthorizationDetail} keeps a mutable JSON object. */
    @Override
    public List<AuthorizationDetail> details() {
        return details.stream().map(Approval::copy).toList();
    }

    /** The details as the JSON array RFC 9396 §2 sends in {@code authorization_details}. */
    public String detailsJson() {
        return AuthorizationDetail.toJSONString(details);
    }

    private static AuthorizationDetail copy(AuthorizationDetail detail) {
        Objects.requireNonNull(detail, "detail");
        try {
            return AuthorizationDetail.parse(detail.toJSONObject());
        } catch (com.nimbusds.oauth2.sdk.ParseException e) {
            throw new IllegalArgumentException("not an RFC 9396 authorization detail: " + e.getMessage(), e);
        }
    }
}
