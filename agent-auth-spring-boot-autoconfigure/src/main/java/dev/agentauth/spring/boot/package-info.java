/**
 * Spring Boot auto-configuration of agent-auth: {@link dev.agentauth.spring.boot.AgentAuthAutoConfiguration} (the
 * broker and its store, from {@code agent-auth.*} and {@code spring.security.oauth2.client.*}),
 * {@link dev.agentauth.spring.boot.AgentAuthWebAutoConfiguration} (the OAuth callback endpoint, the bearer filter)
 * {@link dev.agentauth.spring.boot.AgentAuthLangChain4jAutoConfiguration} (an {@code AuthenticatedAgent} over the
 * application's LangChain4j model and tool beans) and {@link dev.agentauth.spring.boot.AgentAuthSpringAiAutoConfiguration}
 * (an {@code AuthenticatedChatClient} over its Spring AI model and tool beans). Every bean backs off to one the
 * application defines.
 */
package dev.agentauth.spring.boot;
