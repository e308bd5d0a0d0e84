package dev.agentauth.spring.boot;

import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderBuilder;
import dev.agentauth.core.ProviderPresets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Providers from the {@code spring.security.oauth2.client.registration.*} and {@code provider.*} properties an
 * application already has for Spring Security's OAuth2 client: each registration becomes an agent-auth provider under
 * its registration id, with its client id, secret, scopes and client name (as the display name), and the endpoints of
 * its provider entry (issuer URI, or authorization and token URIs). Registrations named after a provider Spring
 * Security knows without a provider entry ({@code github}, {@code google}) use agent-auth's preset. Read with Spring's
 * {@link Binder}, so relaxed names and placeholders work as they do for Spring Security. Stateless.
 */
final class SpringSecurityClients {

    private static final Logger log = LoggerFactory.getLogger(SpringSecurityClients.class);
    private static final Set<String> WELL_KNOWN = Set.of("github", "google");

    /** A {@code spring.security.oauth2.client.registration.<id>} entry. */
    public record Registration(String clientId, String clientSecret, String provider, List<String> scope,
                               String clientName, String authorizationGrantType) {
        @Override
        public String toString() {
            return "Registration[clientId=" + clientId + ", provider=" + provider + ", clientSecret="
                    + (clientSecret == null ? "none" : "redacted") + "]";
        }
    }

    /** A {@code spring.security.oauth2.client.provider.<id>} entry. */
    public record ProviderEntry(String issuerUri, String authorizationUri, String tokenUri) {
    }

    private SpringSecurityClients() {
    }

    static List<Provider> providers(Environment environment, Set<String> taken) {
        Binder binder = Binder.get(environment);
        Map<String, Registration> registrations = binder.bind("spring.security.oauth2.client.registration",
                Bindable.mapOf(String.class, Registration.class)).orElse(Map.of());
        Map<String, ProviderEntry> entries = binder.bind("spring.security.oauth2.client.provider",
                Bindable.mapOf(String.class, ProviderEntry.class)).orElse(Map.of());
        List<Provider> providers = new ArrayList<>();
        for (Map.Entry<String, Registration> e : new LinkedHashMap<>(registrations).entrySet()) {
            String id = e.getKey();
            Registration r = e.getValue();
            if (taken.contains(id)) {
                continue; // agent-auth.providers.<id> wins
            }
            String providerId = r.provider() != null ? r.provider() : id;
            ProviderEntry entry = entries.get(providerId);
            ProviderBuilder b;
            if (entry == null && WELL_KNOWN.contains(providerId)) {
                b = ProviderPresets.byName(providerId, id).orElseThrow();
            } else if (entry == null) {
                log.warn("spring.security.oauth2.client.registration.{} names provider '{}', which has no"
                        + " spring.security.oauth2.client.provider entry: not an agent-auth provider", id, providerId);
                continue;
            } else {
                b = Provider.oauth2(id);
                if (entry.issuerUri() != null) {
                    b.issuer(entry.issuerUri());
                }
                if (entry.authorizationUri() != null) {
                    b.authorizationEndpoint(entry.authorizationUri());
                }
                if (entry.tokenUri() != null) {
                    b.tokenEndpoint(entry.tokenUri());
                }
            }
            if (r.clientId() != null) {
                b.clientId(r.clientId());
            }
            if (r.clientSecret() != null && !r.clientSecret().isEmpty()) {
                b.clientSecret(r.clientSecret());
            }
            if (r.scope() != null && !r.scope().isEmpty()) {
                b.defaultScopes(r.scope().toArray(String[]::new));
            }
            if (r.clientName() != null) {
                b.displayName(r.clientName());
            }
            providers.add(b.build());
        }
        return providers;
    }
}
