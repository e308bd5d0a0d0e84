package dev.agentauth.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.spring.boot.sample.NotesAgentApplication;
import dev.langchain4j.model.chat.ChatModel;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;

/** Every auto-configured bean backs off to the application's own, and the switches switch things off. */
class AutoConfigurationBackOffTest {

    final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
            AgentAuthAutoConfiguration.class, AgentAuthLangChain4jAutoConfiguration.class));

    @Test
    void applicationsOwnBrokerAndStoreWhenDefinedThenUsedAndNoSecondOne() {
        TokenBroker own = TokenBroker.builder().provider(Provider.apiKey("weather").build()).build();
        runner.withBean(TokenBroker.class, () -> own).run(context -> {
            assertThat(context).hasSingleBean(TokenBroker.class);
            assertThat(context.getBean(TokenBroker.class)).isSameAs(own);
        });
        own.close();
        TokenStore store = TokenStore.inMemory();
        runner.withBean(TokenStore.class, () -> store).withPropertyValues("agent-auth.providers.corp.client-id=x",
                "agent-auth.providers.corp.authorization-uri=https://idp.example/authorize",
                "agent-auth.providers.corp.token-uri=https://idp.example/token").run(context -> {
                    assertThat(context).hasSingleBean(TokenStore.class);
                    assertThat(context.getBean(TokenBroker.class).providers()).extracting(p -> p.id().value())
                            .containsExactly("corp");
                });
    }

    @Test
    void agentWhenThereIsAModelThenBuiltAndWhenDisabledOrNoModelThenNot() {
        ChatModel model = new ScriptedChatModel(Map.of());
        runner.withBean(ChatModel.class, () -> model)
                .withBean(NotesAgentApplication.NotesTools.class, NotesAgentApplication.NotesTools::new)
                .withPropertyValues("agent-auth.providers.corp.client-id=x",
                        "agent-auth.providers.corp.authorization-uri=https://idp.example/authorize",
                        "agent-auth.providers.corp.token-uri=https://idp.example/token",
                        "agent-auth.callback.redirect-uri=https://agent.example/oauth/callback")
                .run(context -> {
                    assertThat(context).hasSingleBean(AuthenticatedAgent.class);
                    assertThat(context.getBean(AuthenticatedAgent.class).toolSpecifications())
                            .extracting(s -> s.name()).containsExactly("listNotes");
                });
        // A tool that needs the user's consent, and nowhere for the browser to come back to: the start fails.
        runner.withBean(ChatModel.class, () -> model)
                .withBean(NotesAgentApplication.NotesTools.class, NotesAgentApplication.NotesTools::new)
                .withPropertyValues("agent-auth.providers.corp.client-id=x",
                        "agent-auth.providers.corp.authorization-uri=https://idp.example/authorize",
                        "agent-auth.providers.corp.token-uri=https://idp.example/token")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(dev.agentauth.core.ConfigurationException.class)
                        .hasMessageContaining("tool listNotes needs the user's consent at provider 'corp'"));
        runner.withBean(ChatModel.class, () -> model).run(context -> assertThat(context).as("a model, no tools")
                .hasNotFailed().doesNotHaveBean(AuthenticatedAgent.class));
        runner.withBean(ChatModel.class, () -> model)
                .withBean(NotesAgentApplication.NotesTools.class, NotesAgentApplication.NotesTools::new)
                .withPropertyValues("agent-auth.agent.consent-mode=sometimes")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(dev.agentauth.core.ConfigurationException.class)
                        .hasMessageContaining("use interrupt, blocking or tell-model"));
        runner.withBean(ChatModel.class, () -> model)
                .withBean(NotesAgentApplication.NotesTools.class, NotesAgentApplication.NotesTools::new)
                .withPropertyValues("agent-auth.agent.consent-mode=Tell-Model", "agent-auth.providers.corp.client-id=x",
                        "agent-auth.providers.corp.authorization-uri=https://idp.example/authorize",
                        "agent-auth.providers.corp.token-uri=https://idp.example/token",
                        "agent-auth.callback.redirect-uri=https://agent.example/oauth/callback")
                .run(context -> assertThat(context).hasSingleBean(AuthenticatedAgent.class));
        runner.withBean(ChatModel.class, () -> model).withPropertyValues("agent-auth.agent.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(AuthenticatedAgent.class));
        runner.run(context -> assertThat(context).doesNotHaveBean(AuthenticatedAgent.class));
        runner.withPropertyValues("agent-auth.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(TokenBroker.class));
    }

    @Test
    void propertiesWhenPrintedThenNoSecret() {
        AgentAuthProperties.ProviderProperties p = new AgentAuthProperties.ProviderProperties();
        p.setClientSecret("corp-client-secret-value");
        AgentAuthProperties.Store store = new AgentAuthProperties.Store();
        store.setPassword("db-password-value");
        store.setEncryptionKeyset("{\"primaryKeyId\":1}");
        assertThat(p + " " + store + " " + new SpringSecurityClients.Registration("id", "registration-secret-value",
                "corp", java.util.List.of("openid"), "Corp", "authorization_code"))
                .doesNotContain("corp-client-secret-value", "db-password-value", "primaryKeyId",
                        "registration-secret-value");
    }

    @Test
    void callbackWhenNoRedirectUriThenNotRegisteredAndWhenSetThenAtItsPath() {
        WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(
                AgentAuthAutoConfiguration.class, AgentAuthWebAutoConfiguration.class));
        web.run(context -> assertThat(context).doesNotHaveBean("agentAuthConsentCallback"));
        web.withPropertyValues("agent-auth.callback.redirect-uri=https://agent.example.com/auth/done",
                "agent-auth.callback.path=/auth/done").run(context -> {
                    ServletRegistrationBean<?> callback = context.getBean("agentAuthConsentCallback",
                            ServletRegistrationBean.class);
                    assertThat(callback.getUrlMappings()).containsExactly("/auth/done");
                    assertThat(context.getBean(TokenBroker.class).redirectUri()).hasValueSatisfying(
                            u -> assertThat(u.toString()).isEqualTo("https://agent.example.com/auth/done"));
                });
    }
}
