package dev.agentauth.spring.boot;

import dev.agentauth.spring.boot.sample.NotesAgentApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The provider from {@code agent-auth.providers.corp.*}. */
@SpringBootTest(classes = NotesAgentApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class AgentAuthPropertiesBootTest extends SpringBootConsentTestBase {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("agent-auth.callback.redirect-uri", () -> REDIRECT);
        registry.add("agent-auth.providers.corp.issuer", IDP::issuer);
        registry.add("agent-auth.providers.corp.client-id", () -> "notes-agent");
        registry.add("agent-auth.providers.corp.client-secret", () -> "notes-secret");
        registry.add("agent-auth.providers.corp.display-name", () -> "Corp Notes");
        registry.add("agent-auth.providers.corp.scopes", () -> "openid");
        registry.add("agent-auth.providers.corp.scope-descriptions.notes.read", () -> "Read your notes");
    }
}
