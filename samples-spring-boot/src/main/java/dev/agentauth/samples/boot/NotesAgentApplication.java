package dev.agentauth.samples.boot;

import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.Provider;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.agentauth.langchain4j.ToolCredential;
import dev.agentauth.spring.boot.BrokerCustomizer;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.MemoryId;
import java.net.InetAddress;
import java.security.Principal;
import java.util.List;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot agent on agent-auth's starter. Sign in (alice / alice-pw or bob / bob-pw; form or HTTP Basic), then
 * {@code POST /chat} "list my notes": the tool needs the notes provider, so the answer is a consent card (JSON) whose
 * authorization URL leads to the embedded identity provider; it redirects back to the auto-registered
 * {@code /oauth/callback}, which completes the consent for the signed-in user; {@code POST /resume?id=...} continues
 * the turn. The broker, the callback and the agent come from the auto-configuration; the provider is registered by a
 * {@link BrokerCustomizer}, because the embedded identity provider's address is known only once it runs (a real one
 * goes in {@code agent-auth.providers.*} or {@code spring.security.oauth2.client.*}).
 */
@SpringBootApplication
public class NotesAgentApplication {

    public static void main(String[] args) {
        SpringApplication.run(NotesAgentApplication.class, args);
    }

    /** The AI service of the chat endpoint. */
    public interface Assistant {
        String chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String message,
                    InvocationParameters user);
    }

    /** The notes tool: it needs the user's token for {@code notes.read}. */
    public static class NotesTools {
        @Tool("List the user's notes")
        @AuthenticatedTool(provider = "notes", scopes = "notes.read")
        public String listNotes(ToolCredential credential) throws java.text.ParseException {
            String user = SignedJWT.parse(credential.value()).getJWTClaimsSet().getSubject();
            return "the notes of " + user + ": (none yet), read with " + credential.scopes();
        }
    }

    /** A rule-based model, so the sample runs without an LLM account: lists notes when asked, then says what it got. */
    public static class RuleBasedModel implements ChatModel {
        @Override
        public ChatResponse doChat(ChatRequest request) {
            List<ChatMessage> messages = request.messages();
            ChatMessage last = messages.get(messages.size() - 1);
            if (last instanceof ToolExecutionResultMessage result) {
                return ChatResponse.builder().aiMessage(AiMessage.from("Here are " + result.text())).build();
            }
            if (last instanceof UserMessage user && user.singleText().toLowerCase().contains("notes")) {
                return ChatResponse.builder().aiMessage(AiMessage.from(ToolExecutionRequest.builder()
                        .id("call-" + System.nanoTime()).name("listNotes").arguments("{}").build())).build();
            }
            return ChatResponse.builder().aiMessage(AiMessage.from("Ask me to list your notes.")).build();
        }
    }

    /** The embedded identity provider (mock-oauth2-server with its login page) on a free loopback port. */
    @Bean(destroyMethod = "shutdown")
    MockOAuth2Server identityProvider() throws Exception {
        MockOAuth2Server server = new MockOAuth2Server(new OAuth2Config(true, null, null, false));
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        return server;
    }

    @Bean
    BrokerCustomizer notesProvider(MockOAuth2Server identityProvider) {
        return broker -> broker.provider(Provider.oauth2("notes").displayName("Notes")
                .issuer(identityProvider.issuerUrl("notes").toString())
                .clientId("notes-agent").clientSecret("notes-agent-secret").defaultScopes("openid")
                .scopeDescription("notes.read", "Read your notes").build());
    }

    @Bean
    NotesTools notesTools() {
        return new NotesTools();
    }

    @Bean
    ChatModel chatModel() {
        return new RuleBasedModel();
    }

    @Bean
    Assistant assistant(AuthenticatedAgent agent) {
        return agent.aiService(Assistant.class);
    }

    /** One line once the sample answers requests: where, and who may sign in. */
    @Bean
    ApplicationListener<ApplicationReadyEvent> readyLine() {
        return ready -> System.out.println("agent-auth Spring Boot sample is running: http://localhost:"
                + ready.getApplicationContext().getEnvironment().getProperty("local.server.port")
                + "/  (sign in as alice / alice-pw or bob / bob-pw; POST /chat)");
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
                .formLogin(Customizer.withDefaults()).httpBasic(Customizer.withDefaults())
                .csrf(c -> c.ignoringRequestMatchers("/chat", "/resume")).build();
    }

    @Bean
    InMemoryUserDetailsManager users() {
        return new InMemoryUserDetailsManager(User.withUsername("alice").password("{noop}alice-pw").roles("USER")
                .build(), User.withUsername("bob").password("{noop}bob-pw").roles("USER").build());
    }

    /** The chat API. The user of every tool call is the Spring Security principal, never part of the message. */
    @RestController
    public static class ChatController {
        private final Assistant assistant;
        private final AuthenticatedAgent agent;

        public ChatController(Assistant assistant, AuthenticatedAgent agent) {
            this.assistant = assistant;
            this.agent = agent;
        }

        @PostMapping(value = "/chat", produces = "application/json")
        public String chat(@RequestBody String message, Principal user) {
            try {
                return reply(assistant.chat(user.getName(), message,
                        InvocationParameters.from(PrincipalResolver.USER, user.getName())));
            } catch (ConsentInterruptException e) {
                return e.interrupt().toJson();
            }
        }

        @PostMapping(value = "/resume", produces = "application/json")
        public String resume(@RequestParam("id") String id, Principal user) {
            try {
                return reply(agent.resume(id, user.getName()));
            } catch (ConsentInterruptException e) {
                return e.interrupt().toJson();
            } catch (ResumeRejectedException e) {
                return "{\"type\":\"" + e.reason() + "\"}";
            }
        }

        private static String reply(String text) {
            return "{\"type\":\"reply\",\"text\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(text)
                    + "}";
        }
    }
}
