package dev.agentauth.core;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which URIs the library hands to a user's browser, and which endpoints it accepts from configuration. Public through
 * {@link ConsentRequirement#isSafeToShow(URI)}; the broker's internals and the MCP layer call that. Stateless and
 * thread-safe; no I/O.
 */
final class UriRules {

    private static final Logger log = LoggerFactory.getLogger(Provider.class);

    private UriRules() {
    }

    /**
     * An absolute {@code https} URI with a host, or {@code http} to a loopback host; no user info. Anything else a
     * provider sends — {@code javascript:}, {@code data:}, {@code file:}, a relative reference — would run or open
     * something in the user's browser that the provider's operator never meant to be a login page (OWASP "Unvalidated
     * Redirects"); plain {@code http} elsewhere lets anyone on the path rewrite the login page (RFC 9700 §2.6, RFC 8252
     * §8.3 for loopback). User info is refused because {@code https://trusted@evil.example} shows a trusted name for
     * another host (RFC 3986 §7.6).
     */
    static boolean safeToShow(URI uri) {
        if (uri == null || !uri.isAbsolute() || uri.isOpaque() || uri.getRawUserInfo() != null) {
            return false;
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            return false;
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT); // RFC 3986 §3.1: schemes are case-insensitive
        return scheme.equals("https") || scheme.equals("http") && loopback(host);
    }

    /** {@code 127.0.0.1}, {@code [::1]} or {@code localhost} (RFC 8252 §7.3, §8.3), as {@link URI#getHost()} has it. */
    static boolean loopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("127.0.0.1") || h.equals("[::1]") || h.equals("localhost");
    }

    /**
     * Checks the endpoints a provider was configured with: each must be an absolute {@code http} or {@code https} URL
     * with a host, else the build fails. Plain {@code http} to a host other than loopback is the developer's own
     * choice (a development identity provider in a container, say), so it is accepted with one warning per provider
     * build: the client secret, codes and tokens then cross the network unencrypted (RFC 6749 §3.1, §3.2 require TLS).
     *
     * @param endpoints setting name (as the builder method is called) to value; {@code null} values are not set
     */
    static void checkConfigured(ProviderId provider, Map<String, URI> endpoints) {
        List<String> plain = new ArrayList<>();
        endpoints.forEach((setting, uri) -> {
            if (uri == null) {
                return;
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null
                    || !(scheme.equals("https") || scheme.equals("http"))) {
                throw new ConfigurationException("provider '" + provider + "': " + setting + " must be an absolute"
                        + " https URL with a host, such as https://idp.example.com (or http on 127.0.0.1, [::1] or"
                        + " localhost); fix ProviderBuilder." + setting + "(...)", provider, null);
            }
            if (scheme.equals("http") && !loopback(uri.getHost())) {
                plain.add(setting + " (" + uri.getHost() + ")");
            }
        });
        if (!plain.isEmpty()) {
            log.warn("provider {}: {} use{} plain http to a host other than loopback: client secrets, codes and tokens"
                    + " cross the network unencrypted, and users' browsers are sent to a page anyone on the path can"
                    + " change; use https (plain http is for 127.0.0.1, [::1] and localhost)", provider,
                    String.join(", ", plain), plain.size() == 1 ? "s" : "");
        }
    }
}
