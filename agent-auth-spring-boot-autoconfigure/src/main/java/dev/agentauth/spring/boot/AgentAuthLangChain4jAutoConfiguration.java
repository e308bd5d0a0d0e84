package dev.agentauth.spring.boot;

import dev.agentauth.agent.ToolSource;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * An {@link AuthenticatedAgent} over the application's LangChain4j model beans ({@link ChatModel} and/or
 * {@link StreamingChatModel}), with every bean that has {@code @Tool} methods ({@code @AuthenticatedTool} ones and
 * ordinary ones), every {@link ToolSource} bean (MCP servers), and the application's {@link ChatMemoryProvider} when
 * it has one. The user of each tool call comes from the AI-service call's {@code InvocationParameters}, as
 * everywhere in agent-auth. Backs off to the application's own {@code AuthenticatedAgent} bean.
 */
@AutoConfiguration(after = AgentAuthAutoConfiguration.class)
@ConditionalOnClass({AuthenticatedAgent.class, ChatModel.class})
@ConditionalOnBean(TokenBroker.class)
@ConditionalOnProperty(prefix = "agent-auth.agent", name = "enabled", havingValue = "true", matchIfMissing = true)
public class AgentAuthLangChain4jAutoConfiguration {

    /** The agent; built when a model bean exists. Reads every tool bean's specification at startup. */
    @Bean
    @ConditionalOnMissingBean
    @org.springframework.context.annotation.Conditional({OnModelBean.class, OnToolBeans.class})
    public AuthenticatedAgent authenticatedAgent(TokenBroker broker, AgentAuthProperties properties,
                                                 ApplicationContext context, ObjectProvider<ChatModel> chatModel,
                                                 ObjectProvider<StreamingChatModel> streamingChatModel,
                                                 ObjectProvider<ChatMemoryProvider> memory,
                                                 ObjectProvider<ToolSource> sources) {
        AuthenticatedAgent.Builder b = AuthenticatedAgent.builder().broker(broker)
                .agentId(properties.getAgent().getId())
                .consentMode(AgentOptions.consentMode(properties.getAgent().getConsentMode()))
                .resumeRecovery(AgentOptions.resumeRecovery(properties.getAgent().getResumeRecovery()))
                .resumeLease(properties.getAgent().getResumeLease());
        chatModel.ifAvailable(b::chatModel);
        streamingChatModel.ifAvailable(b::streamingChatModel);
        memory.ifAvailable(b::chatMemoryProvider);
        b.tools(toolBeans(context).toArray());
        b.toolSources(sources.orderedStream().toArray(ToolSource[]::new));
        return b.build();
    }

    /** A {@link ChatModel} bean or a {@link StreamingChatModel} bean (either will do). */
    static final class OnModelBean extends org.springframework.boot.autoconfigure.condition.AnyNestedCondition {
        OnModelBean() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(ChatModel.class)
        static class Chat {
        }

        @ConditionalOnBean(StreamingChatModel.class)
        static class Streaming {
        }
    }

    /**
     * A bean with {@code @Tool} methods or a {@link ToolSource} bean: an application with a model and no tools gets
     * no agent (rather than failing to start).
     */
    static final class OnToolBeans extends org.springframework.boot.autoconfigure.condition.SpringBootCondition
            implements org.springframework.context.annotation.ConfigurationCondition {
        @Override
        public ConfigurationPhase getConfigurationPhase() {
            return ConfigurationPhase.REGISTER_BEAN;
        }

        @Override
        public org.springframework.boot.autoconfigure.condition.ConditionOutcome getMatchOutcome(
                org.springframework.context.annotation.ConditionContext context,
                org.springframework.core.type.AnnotatedTypeMetadata metadata) {
            var beans = context.getBeanFactory();
            for (String name : beans.getBeanDefinitionNames()) {
                Class<?> type = beans.getType(name, false);
                if (type != null && (ToolSource.class.isAssignableFrom(type)
                        || hasTool(ClassUtils.getUserClass(type)))) {
                    return org.springframework.boot.autoconfigure.condition.ConditionOutcome.match(
                            "tool bean '" + name + "'");
                }
            }
            return org.springframework.boot.autoconfigure.condition.ConditionOutcome.noMatch(
                    "no bean with @Tool methods and no ToolSource bean");
        }
    }

    /** Every singleton bean whose class declares a LangChain4j {@code @Tool} method. */
    static List<Object> toolBeans(ApplicationContext context) {
        List<Object> tools = new ArrayList<>();
        for (String name : context.getBeanDefinitionNames()) {
            Class<?> type = context.getType(name, false);
            if (type == null || !hasTool(ClassUtils.getUserClass(type))) {
                continue;
            }
            tools.add(context.getBean(name));
        }
        return tools;
    }

    private static boolean hasTool(Class<?> type) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Tool.class)) {
                return true;
            }
        }
        return false;
    }
}
