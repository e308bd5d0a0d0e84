package dev.agentauth.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.spring.boot.sample.NotesAgentApplication;
import dev.agentauth.spring.boot.springai.SpringAiNotesApplication;
import dev.agentauth.springai.AuthenticatedChatClient;
import dev.agentauth.springai.testing.ScriptedChatModel;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.execution.DefaultToolExecutionExceptionProcessor;
import org.springframework.ai.tool.execution.ToolExecutionException;
import org.springframework.ai.tool.execution.ToolExecutionExceptionProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The Spring AI auto-configuration: an {@link AuthenticatedChatClient} when the application has a Spring AI model and a
 * tool bean, backing off to its own, switched off by {@code agent-auth.agent.enabled=false}; beside the LangChain4j
 * agent when both frameworks are in the application; absent, without failing, when Spring AI or the adapter is not on
 * the class path; Spring AI's tool failure processor wrapped so that an interrupt always leaves the call.
 */
class SpringAiAutoConfigurationTest {

    static final String[] PROVIDER = {"agent-auth.providers.corp.client-id=x",
            "agent-auth.providers.corp.authorization-uri=https://idp.example/authorize",
            "agent-auth.providers.corp.token-uri=https://idp.example/token",
            "agent-auth.callback.redirect-uri=https://agent.example/oauth/callback"};

    final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
            AgentAuthAutoConfiguration.class, AgentAuthLangChain4jAutoConfiguration.class,
            AgentAuthSpringAiAutoConfiguration.class));
    final ChatModel model = new ScriptedChatModel(Map.of());

    ApplicationContextRunner springAiApp() {
        return runner.withBean(ChatModel.class, () -> model)
                .withBean(SpringAiNotesApplication.NotesTools.class, SpringAiNotesApplication.NotesTools::new)
                .withPropertyValues(PROVIDER);
    }

    @Test
    void chatClientWhenASpringAiModelAndToolThenBuiltAndItsToolsAreTheBeans() {
        springAiApp().run(context -> {
            assertThat(context).hasSingleBean(AuthenticatedChatClient.class).doesNotHaveBean(AuthenticatedAgent.class);
            assertThat(context.getBean(AuthenticatedChatClient.class).toolCallbacks())
                    .extracting(c -> c.getToolDefinition().name()).containsExactly("listNotes");
        });
        runner.withBean(ChatModel.class, () -> model).run(context -> assertThat(context).as("a model, no tools")
                .hasNotFailed().doesNotHaveBean(AuthenticatedChatClient.class));
        springAiApp().withPropertyValues("agent-auth.agent.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(AuthenticatedChatClient.class));
        springAiApp().withPropertyValues("agent-auth.agent.consent-mode=sometimes")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("use interrupt, blocking or tell-model"));
    }

    @Test
    void chatClientWhenTheApplicationHasItsOwnThenItBacksOff() {
        TokenBroker broker = TokenBroker.builder().provider(Provider.apiKey("weather").build()).build();
        AuthenticatedChatClient own = AuthenticatedChatClient.builder().broker(broker).chatModel(model)
                .tools(new WeatherTools()).build();
        springAiApp().withBean(AuthenticatedChatClient.class, () -> own).run(context -> {
            assertThat(context).hasSingleBean(AuthenticatedChatClient.class);
            assertThat(context.getBean(AuthenticatedChatClient.class)).isSameAs(own);
        });
        broker.close();
    }

    static final class WeatherTools {
        @org.springframework.ai.tool.annotation.Tool(description = "Weather")
        public String weather(String city) {
            return "sunny in " + city;
        }
    }

    @Test
    void bothFrameworksWhenEachHasItsModelThenEachGetsItsAgentFromItsOwnBeans() {
        springAiApp().withBean("langChain4jModel", dev.langchain4j.model.chat.ChatModel.class,
                        () -> new dev.agentauth.langchain4j.testing.ScriptedChatModel(Map.of()))
                .withBean("langChain4jTools", NotesAgentApplication.NotesTools.class,
                        NotesAgentApplication.NotesTools::new)
                .run(context -> {
                    assertThat(context).hasSingleBean(AuthenticatedChatClient.class)
                            .hasSingleBean(AuthenticatedAgent.class);
                    assertThat(context.getBean(AuthenticatedAgent.class).toolSpecifications())
                            .extracting(s -> s.name()).containsExactly("listNotes");
                    assertThat(context.getBean(AuthenticatedChatClient.class).toolCallbacks()).hasSize(1);
                });
    }

    @Test
    void classPathWhenSpringAiOrTheAdapterIsAbsentThenNoChatClientAndTheApplicationStarts() {
        springAiApp().withClassLoader(new FilteredClassLoader("dev.agentauth.springai"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("authenticatedChatClient")
                        .hasSingleBean(TokenBroker.class));
        runner.withClassLoader(new FilteredClassLoader("org.springframework.ai"))
                .withBean(dev.langchain4j.model.chat.ChatModel.class,
                        () -> new dev.agentauth.langchain4j.testing.ScriptedChatModel(Map.of()))
                .withBean(NotesAgentApplication.NotesTools.class, NotesAgentApplication.NotesTools::new)
                .withPropertyValues(PROVIDER)
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(AuthenticatedAgent.class));
    }

    @Test
    void toolFailureProcessorWhenSpringAiDefinesOneThenItLetsTheInterruptLeaveTheCall() {
        springAiApp().withBean(ToolExecutionExceptionProcessor.class,
                () -> DefaultToolExecutionExceptionProcessor.builder().build()).run(context -> {
                    ToolExecutionExceptionProcessor processor = context.getBean(ToolExecutionExceptionProcessor.class);
                    ConsentInterruptException interrupt = new ConsentInterruptException(new ConsentInterrupt("i",
                            "alice", "default", List.of(), List.of(), Instant.now()));
                    ToolDefinition tool = ToolDefinition.builder().name("t").description("t").inputSchema("{}")
                            .build();
                    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> processor.process(
                            new ToolExecutionException(tool, interrupt)))).isSameAs(interrupt);
                    assertThat(processor.process(new ToolExecutionException(tool, new IllegalStateException("told"))))
                            .isEqualTo("told");
                });
    }
}
