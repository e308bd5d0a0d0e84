package dev.agentauth.core.internal;

import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.ProviderUnavailableException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Refuses a URI that a provider sent and that the broker would hand to a user's browser (a device authorization's
 * verification URI, an authorization endpoint from metadata) unless {@link ConsentRequirement#isSafeToShow(URI)}
 * accepts it. The provider misbehaves, so the error is a {@link ProviderUnavailableException}: nothing is shown, the
 * stored grant is kept. The message names the field and the kind of URL, never the whole value (it is the provider's
 * text, and could carry anything into a log). Stateless and thread-safe.
 */
final class ProviderUris {

    private ProviderUris() {
    }

    /**
     * {@code raw}, a member of a provider's JSON answer, when it is a string; checked before any parser turns it into
     * a URI, so that one that does not even parse is refused by its name too. Absent or not a string: left to the
     * parser, which reports the answer as malformed.
     */
    static void requireSafe(Object raw, String field, String source, ProviderId provider, Principal principal,
                            String remedy) {
        if (!(raw instanceof String s)) {
            return;
        }
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            uri = null;
        }
        requireSafe(uri, s, field, source, provider, principal, remedy);
    }

    /** {@code uri} itself when it is safe to hand to a user. */
    static URI requireSafe(URI uri, String field, String source, ProviderId provider, Principal principal,
                           String remedy) {
        return requireSafe(uri, uri == null ? null : uri.toString(), field, source, provider, principal, remedy);
    }

    private static URI requireSafe(URI uri, String raw, String field, String source, ProviderId provider,
                                   Principal principal, String remedy) {
        if (ConsentRequirement.isSafeToShow(uri)) {
            return uri;
        }
        throw new ProviderUnavailableException("provider '" + provider + "': the " + field + " in " + source
                + " is refused (" + shape(uri, raw) + "): only an https URL, or http to 127.0.0.1, [::1] or localhost,"
                + " is handed to a user; nothing was shown to the user. " + remedy, provider, principal, null);
    }

    /** What is wrong with it, in words that carry nothing of the provider's text but a scheme or a host. */
    static String shape(URI uri, String raw) {
        if (uri == null) {
            return raw != null && !raw.isEmpty() && Character.isWhitespace(raw.charAt(0))
                    ? "it starts with white space" : "it is not a URL";
        }
        if (!uri.isAbsolute()) {
            return "it is relative, with no scheme";
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return "its scheme is '" + (scheme.length() > 24 ? scheme.substring(0, 24) + "…" : scheme) + ":'";
        }
        if (uri.getHost() == null) {
            return "it has no host";
        }
        if (uri.getRawUserInfo() != null) {
            return "it has user info before its host";
        }
        return "it is plain http to " + uri.getHost();
    }
}
