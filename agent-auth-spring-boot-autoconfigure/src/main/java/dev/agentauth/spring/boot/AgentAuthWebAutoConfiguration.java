package dev.agentauth.spring.boot;

import dev.agentauth.core.TokenBroker;
import dev.agentauth.verify.BearerTokenServletFilter;
import dev.agentauth.verify.ProtectedResourceMetadata;
import dev.agentauth.verify.TokenVerifier;
import dev.agentauth.verify.TokenVerifierBuilder;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The servlet side: the OAuth callback endpoint at {@code agent-auth.callback.path}, registered when a redirect URI
 * is configured; and, for an API or MCP server this application serves, the bearer-token filter with its RFC 9728
 * metadata ({@code agent-auth.resource-server.*}). Both back off to the application's own beans.
 */
@AutoConfiguration(after = AgentAuthAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "jakarta.servlet.http.HttpServlet")
@ConditionalOnProperty(prefix = "agent-auth", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(AgentAuthWebAutoConfiguration.ResourceServer.class)
public class AgentAuthWebAutoConfiguration {

    /** The callback servlet, when {@code agent-auth.callback.redirect-uri} is set. */
    @Bean
    @ConditionalOnBean(TokenBroker.class)
    @ConditionalOnProperty(prefix = "agent-auth.callback", name = "redirect-uri")
    @ConditionalOnMissingBean(name = "agentAuthConsentCallback")
    public ServletRegistrationBean<ConsentCallbackServlet> agentAuthConsentCallback(TokenBroker broker,
                                                                                   AgentAuthProperties properties) {
        ServletRegistrationBean<ConsentCallbackServlet> registration = new ServletRegistrationBean<>(
                new ConsentCallbackServlet(broker, URI.create(properties.getCallback().getRedirectUri())),
                properties.getCallback().getPath());
        registration.setName("agentAuthConsentCallback");
        return registration;
    }

    /**
     * {@code agent-auth.resource-server.*}: verify bearer tokens on the application's own API or MCP endpoint.
     * Bound once at startup.
     */
    @ConfigurationProperties(prefix = "agent-auth.resource-server")
    public static class ResourceServer {
        /** The issuer whose tokens are accepted (its JWKS is discovered). */
        private String issuer;
        /** The audience tokens must carry (RFC 8707 resource indicator, e.g. https://mcp.example.com/mcp). */
        private String audience;
        /** Scopes every request needs. */
        private List<String> requiredScopes = new ArrayList<>();
        /** URL patterns the filter guards. */
        private List<String> urlPatterns = new ArrayList<>(List.of("/mcp/*"));

        public String getIssuer() {
            return issuer;
        }

        public void setIssuer(String issuer) {
            this.issuer = issuer;
        }

        public String getAudience() {
            return audience;
        }

        public void setAudience(String audience) {
            this.audience = audience;
        }

        public List<String> getRequiredScopes() {
            return requiredScopes;
        }

        public void setRequiredScopes(List<String> requiredScopes) {
            this.requiredScopes = requiredScopes;
        }

        public List<String> getUrlPatterns() {
            return urlPatterns;
        }

        public void setUrlPatterns(List<String> urlPatterns) {
            this.urlPatterns = urlPatterns;
        }
    }

    /**
     * The bearer filter, when {@code agent-auth.resource-server.issuer} and {@code .audience} are set and
     * {@code agent-auth-verify} is on the class path (the starter brings it).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.agentauth.verify.TokenVerifier")
    @ConditionalOnProperty(prefix = "agent-auth.resource-server", name = {"issuer", "audience"})
    static class Bearer {

        @Bean
        @ConditionalOnMissingBean
        TokenVerifier agentAuthTokenVerifier(ResourceServer properties) {
            TokenVerifierBuilder b = TokenVerifier.builder().issuer(properties.getIssuer())
                    .audience(properties.getAudience());
            if (!properties.getRequiredScopes().isEmpty()) {
                b.requiredScopes(properties.getRequiredScopes().toArray(String[]::new));
            }
            return b.build();
        }

        @Bean
        @ConditionalOnMissingBean(name = "agentAuthBearerFilter")
        FilterRegistrationBean<BearerTokenServletFilter> agentAuthBearerFilter(TokenVerifier verifier,
                                                                              ResourceServer properties) {
            ProtectedResourceMetadata metadata = ProtectedResourceMetadata.of(properties.getAudience(),
                    properties.getIssuer()).withScopes(properties.getRequiredScopes().toArray(String[]::new));
            FilterRegistrationBean<BearerTokenServletFilter> registration = new FilterRegistrationBean<>(
                    BearerTokenServletFilter.create(verifier, metadata));
            List<String> patterns = new ArrayList<>(properties.getUrlPatterns());
            patterns.add(ProtectedResourceMetadata.WELL_KNOWN + "/*");
            registration.setUrlPatterns(patterns);
            registration.setName("agentAuthBearerFilter");
            return registration;
        }
    }
}
