package dev.agentauth.spring.boot;

import dev.agentauth.spring.boot.sample.NotesAgentApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The provider from the {@code spring.security.oauth2.client.*} properties an application already has. */
@SpringBootTest(classes = NotesAgentApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class SpringSecurityClientPropertiesBootTest extends SpringBootConsentTestBase {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("agent-auth.callback.redirect-uri", () -> REDIRECT);
        registry.add("spring.security.oauth2.client.registration.corp.client-id", () -> "notes-agent");
        registry.add("spring.security.oauth2.client.registration.corp.client-secret", () -> "notes-secret");
        registry.add("spring.security.oauth2.client.registration.corp.client-name", () -> "Corp Notes");
        registry.add("spring.security.oauth2.client.registration.corp.scope", () -> "openid");
        registry.add("spring.security.oauth2.client.registration.corp.authorization-grant-type",
                () -> "authorization_code");
        registry.add("spring.security.oauth2.client.provider.corp.issuer-uri", IDP::issuer);
    }
}
