package dev.agentauth.spring.boot;

import dev.agentauth.core.AuditListener;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderBuilder;
import dev.agentauth.core.ProviderPresets;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenBrokerBuilder;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The {@link TokenBroker} of a Spring Boot application, from properties: providers from {@code agent-auth.providers.*}
 * and from the {@code spring.security.oauth2.client.*} registrations, the token store ({@code agent-auth.store.*}),
 * the redirect URI ({@code agent-auth.callback.redirect-uri}); the application's {@link AuditListener} and
 * {@link ConsentListener} beans are registered, and its {@code ObservationRegistry} when Micrometer is there. Every
 * bean backs off when the application defines its own. The broker is closed with the context.
 */
@AutoConfiguration
@ConditionalOnClass(TokenBroker.class)
@ConditionalOnProperty(prefix = "agent-auth", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(AgentAuthProperties.class)
public class AgentAuthAutoConfiguration {

    /**
     * The token store {@code agent-auth.store.type} names, with {@code agent-auth-store-jdbc} on the class path (the
     * starter brings it); closed by the broker.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = JdbcStores.TOKEN_STORES)
    static class DurableStores {
        @Bean
        @ConditionalOnMissingBean
        TokenStore agentAuthTokenStore(AgentAuthProperties properties) {
            AgentAuthProperties.Store s = properties.getStore();
            return s.getType() == AgentAuthProperties.StoreType.MEMORY ? TokenStore.inMemory() : JdbcStores.of(s);
        }
    }

    /**
     * Without {@code agent-auth-store-jdbc}: the in-memory store, and a clear refusal of
     * {@code agent-auth.store.type=embedded|postgres}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass(JdbcStores.TOKEN_STORES)
    static class InMemoryStoreOnly {
        @Bean
        @ConditionalOnMissingBean
        TokenStore agentAuthTokenStore(AgentAuthProperties properties) {
            AgentAuthProperties.StoreType type = properties.getStore().getType();
            if (type != AgentAuthProperties.StoreType.MEMORY) {
                throw new dev.agentauth.core.ConfigurationException("agent-auth.store.type="
                        + type.name().toLowerCase(java.util.Locale.ROOT) + " needs the durable stores on the class"
                        + " path: add dev.agentauth:agent-auth-store-jdbc (agent-auth-spring-boot-starter brings it)",
                        null, null);
            }
            return TokenStore.inMemory();
        }
    }

    /** The broker. Blocks while it discovers the providers' metadata (eager discovery, so bad settings fail now). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public TokenBroker tokenBroker(AgentAuthProperties properties, Environment environment, TokenStore store,
                                   ObjectProvider<AuditListener> auditListeners,
                                   ObjectProvider<ConsentListener> consentListeners,
                                   ObjectProvider<BrokerCustomizer> customizers) {
        TokenBrokerBuilder b = TokenBroker.builder().tokenStore(store);
        List<Provider> providers = new ArrayList<>();
        for (Map.Entry<String, AgentAuthProperties.ProviderProperties> e : properties.getProviders().entrySet()) {
            providers.add(provider(e.getKey(), e.getValue()));
        }
        if (properties.isUseSpringSecurityClients()) {
            providers.addAll(SpringSecurityClients.providers(environment, properties.getProviders().keySet()));
        }
        providers.forEach(b::provider);
        if (properties.getCallback().getRedirectUri() != null) {
            b.redirectUri(URI.create(properties.getCallback().getRedirectUri()));
        }
        auditListeners.orderedStream().forEach(b::auditListener);
        consentListeners.orderedStream().forEach(b::consentListener);
        customizers.orderedStream().forEach(c -> c.customize(b));
        return b.build();
    }

    /** The application's Micrometer registry, when there is one, observes the broker and its agents. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.observation.ObservationRegistry")
    static class Observations {
        @Bean
        BrokerCustomizer agentAuthObservations(
                ObjectProvider<io.micrometer.observation.ObservationRegistry> registry) {
            return b -> registry.ifAvailable(b::observationRegistry);
        }
    }

    static Provider provider(String id, AgentAuthProperties.ProviderProperties p) {
        ProviderBuilder b = p.getPreset() != null
                ? ProviderPresets.byName(p.getPreset(), id).orElseThrow(() -> new dev.agentauth.core
                .ConfigurationException("agent-auth.providers." + id + ".preset: unknown preset '" + p.getPreset()
                        + "'; known: " + ProviderPresets.names(), null, null))
                : Provider.oauth2(id);
        if (p.getDisplayName() != null) {
            b.displayName(p.getDisplayName());
        }
        if (p.getIssuer() != null) {
            b.issuer(p.getIssuer());
        }
        if (p.getAuthorizationUri() != null) {
            b.authorizationEndpoint(p.getAuthorizationUri());
        }
        if (p.getTokenUri() != null) {
            b.tokenEndpoint(p.getTokenUri());
        }
        if (p.getClientId() != null) {
            b.clientId(p.getClientId());
        }
        if (p.getClientSecret() != null) {
            b.clientSecret(p.getClientSecret());
        }
        if (!p.getScopes().isEmpty()) {
            b.defaultScopes(p.getScopes().toArray(String[]::new));
        }
        p.getScopeDescriptions().forEach(b::scopeDescription);
        if (p.isDpop()) {
            b.dpop(true);
        }
        if (p.isDeviceAuthorization()) {
            b.deviceAuthorization(true);
        }
        return b.build();
    }
}
