package dev.agentauth.spring.boot;

import dev.agentauth.agent.ToolSource;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.springai.AuthenticatedChatClient;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.execution.ToolExecutionExceptionProcessor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * An {@link AuthenticatedChatClient} over the application's Spring AI model — its {@code ChatClient.Builder} bean when
 * there is one (Spring AI's auto-configuration makes it from the {@link ChatModel} bean, with the application's
 * customizers and observations), else its {@link ChatModel} bean — with every bean that has Spring AI {@code @Tool}
 * methods ({@code @AuthenticatedTool} ones and ordinary ones), every {@link ToolSource} bean (MCP servers), and the
 * application's {@link ChatMemory} bean when it has one (Spring AI's auto-configuration makes one). The user of each
 * call comes from the call's {@code agentauth.user} advisor parameter, as everywhere in agent-auth. Spring AI's tool
 * failure processor is wrapped so that agent-auth's interrupt and operator failures always leave the call. Backs off
 * to the application's own {@code AuthenticatedChatClient} bean; with LangChain4j on the class path too, each
 * framework's agent is built from that framework's beans only.
 *
 * @since 0.3.0
 */
@AutoConfiguration(after = AgentAuthAutoConfiguration.class, afterName = {
        "org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration",
        "org.springframework.ai.model.chat.memory.autoconfigure.ChatMemoryAutoConfiguration"})
@ConditionalOnClass({AuthenticatedChatClient.class, ChatModel.class})
@ConditionalOnBean(TokenBroker.class)
@ConditionalOnProperty(prefix = "agent-auth.agent", name = "enabled", havingValue = "true", matchIfMissing = true)
public class AgentAuthSpringAiAutoConfiguration {

    /** The agent and its {@code ChatClient}; built when a Spring AI model bean and a tool bean exist. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(ChatModel.class)
    @Conditional(OnSpringAiToolBeans.class)
    public AuthenticatedChatClient authenticatedChatClient(TokenBroker broker, AgentAuthProperties properties,
                                                           ApplicationContext context,
                                                           ObjectProvider<ChatClient.Builder> chatClientBuilder,
                                                           ObjectProvider<ChatModel> chatModel,
                                                           ObjectProvider<ChatMemory> memory,
                                                           ObjectProvider<ToolSource> sources) {
        AuthenticatedChatClient.Builder b = AuthenticatedChatClient.builder().broker(broker)
                .agentId(properties.getAgent().getId())
                .consentMode(AgentOptions.consentMode(properties.getAgent().getConsentMode()))
                .resumeRecovery(AgentOptions.resumeRecovery(properties.getAgent().getResumeRecovery()))
                .resumeLease(properties.getAgent().getResumeLease());
        ChatClient.Builder client = chatClientBuilder.getIfAvailable();
        if (client != null) {
            b.chatClientBuilder(client);
        } else {
            ChatModel model = chatModel.getIfUnique();
            if (model == null) {
                throw new ConfigurationException("the application has several Spring AI ChatModel beans: define a"
                        + " ChatClient.Builder bean (or your own AuthenticatedChatClient bean) to say which one the"
                        + " agent uses", null, null);
            }
            b.chatModel(model);
        }
        memory.ifAvailable(b::chatMemory);
        b.tools(toolBeans(context).toArray());
        b.toolSources(sources.orderedStream().toArray(ToolSource[]::new));
        return b.build();
    }

    /**
     * Spring AI's tool failure processor (and any other {@link ToolExecutionExceptionProcessor} bean), wrapped: a
     * consent interrupt or a failure the operator must fix leaves the call whatever it does with tool failures.
     */
    @Bean
    static BeanPostProcessor agentAuthToolExecutionExceptionProcessor() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                return bean instanceof ToolExecutionExceptionProcessor p
                        ? AuthenticatedChatClient.toolExecutionExceptionProcessor(p) : bean;
            }
        };
    }

    /** A bean with Spring AI {@code @Tool} methods or a {@link ToolSource} bean. */
    static final class OnSpringAiToolBeans extends SpringBootCondition implements ConfigurationCondition {
        @Override
        public ConfigurationPhase getConfigurationPhase() {
            return ConfigurationPhase.REGISTER_BEAN;
        }

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            var beans = context.getBeanFactory();
            for (String name : beans.getBeanDefinitionNames()) {
                Class<?> type = beans.getType(name, false);
                if (type != null && (ToolSource.class.isAssignableFrom(type)
                        || hasTool(ClassUtils.getUserClass(type)))) {
                    return ConditionOutcome.match("tool bean '" + name + "'");
                }
            }
            return ConditionOutcome.noMatch("no bean with Spring AI @Tool methods and no ToolSource bean");
        }
    }

    /** Every singleton bean whose class declares a Spring AI {@code @Tool} method. */
    static List<Object> toolBeans(ApplicationContext context) {
        List<Object> tools = new ArrayList<>();
        for (String name : context.getBeanDefinitionNames()) {
            Class<?> type = context.getType(name, false);
            if (type != null && hasTool(ClassUtils.getUserClass(type))) {
                tools.add(context.getBean(name));
            }
        }
        return tools;
    }

    private static boolean hasTool(Class<?> type) {
        for (Method m : ReflectionUtils.getDeclaredMethods(type)) {
            if (AnnotationUtils.findAnnotation(m, Tool.class) != null) {
                return true;
            }
        }
        return false;
    }
}
