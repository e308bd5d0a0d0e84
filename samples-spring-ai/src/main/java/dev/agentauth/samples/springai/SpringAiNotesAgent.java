package dev.agentauth.samples.springai;

import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.Provider;
import dev.agentauth.spring.boot.BrokerCustomizer;
import dev.agentauth.springai.AuthenticatedChatClient;
import java.net.InetAddress;
import java.security.Principal;
import java.text.ParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * A Spring AI agent on agent-auth's starter. Sign in (alice / alice-pw or bob / bob-pw; HTTP Basic), then
 * {@code POST /chat} "list my notes": the Spring AI tool needs the notes provider, so the answer is a consent card
 * (JSON) whose authorization URL leads to the embedded identity provider; it redirects back to the auto-registered
 * {@code /oauth/callback}, which completes the consent for the signed-in user; {@code POST /resume?id=...} continues
 * the turn through the same {@code ChatClient} and its chat memory. {@code POST /chat/stream} streams the answer as
 * server-sent events, the card as the last event. The broker, the callback and the {@link AuthenticatedChatClient}
 * come from the auto-configuration; the provider is registered by a {@link BrokerCustomizer}, because the embedded
 * identity provider's address is known only once it runs (a real one goes in {@code agent-auth.providers.*}). The
 * model is a rule-based one, so the sample runs without an account: any Spring AI model bean (a Spring AI model
 * starter) replaces it.
 */
@SpringBootApplication
public class SpringAiNotesAgent {

    public static void main(String[] args) {
        SpringApplication.run(SpringAiNotesAgent.class, args);
    }

    /** The notes tool: a Spring AI tool that needs the user's token for {@code notes.read}. */
    public static class NotesTools {
        @Tool(description = "List the user's notes")
        @AuthenticatedTool(provider = "notes", scopes = "notes.read")
        public String listNotes(@InjectToken String token) throws ParseException {
            String user = SignedJWT.parse(token).getJWTClaimsSet().getSubject();   // a real tool calls its API here
            return "the notes of " + user + ": (none yet)";
        }
    }

    /**
     * A rule-based model, so the sample runs without an LLM account: it calls {@code listNotes} when asked about
     * notes, then says what the tool answered. Streams its answers word by word.
     */
    public static class RuleBasedModel implements ChatModel {
        @Override
        public ChatOptions getOptions() {
            return ToolCallingChatOptions.builder().build();
        }

        @Override
        public ChatResponse call(Prompt prompt) {
            return new ChatResponse(List.of(new Generation(answer(prompt.getInstructions()))));
        }

        @Override
        public Flux<ChatResponse> stream(Prompt prompt) {
            AssistantMessage answer = answer(prompt.getInstructions());
            if (!answer.getToolCalls().isEmpty()) {
                return Flux.just(new ChatResponse(List.of(new Generation(answer))));
            }
            return Flux.fromIterable(Arrays.asList(answer.getText().split("(?<= )")))
                    .map(word -> new ChatResponse(List.of(new Generation(new AssistantMessage(word)))));
        }

        private static AssistantMessage answer(List<Message> messages) {
            Message last = messages.get(messages.size() - 1);
            if (last instanceof ToolResponseMessage result) {
                return new AssistantMessage("Here are " + result.getResponses().get(0).responseData()
                        .replace("\"", ""));
            }
            if (last instanceof UserMessage user && user.getText().toLowerCase(Locale.ROOT).contains("notes")) {
                return AssistantMessage.builder().content("").toolCalls(List.of(new AssistantMessage.ToolCall(
                        "call-" + System.nanoTime(), "function", "listNotes", "{}"))).build();
            }
            return new AssistantMessage("Ask me to list your notes.");
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

    /** Conversations, one per signed-in user: an interrupted turn leaves it valid, a resumed one continues in it. */
    @Bean
    ChatMemory chatMemory() {
        return MessageWindowChatMemory.builder().maxMessages(50).build();
    }

    /** One line once the sample answers requests: where, and who may sign in. */
    @Bean
    ApplicationListener<ApplicationReadyEvent> readyLine() {
        return ready -> System.out.println("agent-auth Spring AI sample is running: http://localhost:"
                + ready.getApplicationContext().getEnvironment().getProperty("local.server.port")
                + "/  (sign in as alice / alice-pw or bob / bob-pw; POST /chat, /chat/stream)");
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
                .formLogin(Customizer.withDefaults()).httpBasic(Customizer.withDefaults())
                .csrf(c -> c.ignoringRequestMatchers("/chat", "/chat/stream", "/resume", "/decline")).build();
    }

    @Bean
    InMemoryUserDetailsManager users() {
        return new InMemoryUserDetailsManager(User.withUsername("alice").password("{noop}alice-pw").roles("USER")
                .build(), User.withUsername("bob").password("{noop}bob-pw").roles("USER").build());
    }

    /** The chat API. The user of every tool call is the Spring Security principal, never part of the message. */
    @RestController
    public static class ChatController {
        private final AuthenticatedChatClient agent;

        public ChatController(AuthenticatedChatClient agent) {
            this.agent = agent;
        }

        private ChatClient.ChatClientRequestSpec prompt(String message, Principal user) {
            return agent.chatClient().prompt().user(message)
                    .advisors(AuthenticatedChatClient.user(user.getName()))
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, user.getName()));
        }

        @PostMapping(value = "/chat", produces = "application/json")
        public String chat(@RequestBody String message, Principal user) {
            try {
                return reply(prompt(message, user).call().content());
            } catch (ConsentInterruptException e) {
                return e.interrupt().toJson();   // the card; the popup ends at the auto-registered callback
            }
        }

        /** The answer as server-sent events, word by word; a consent needed ends the stream with the card. */
        @PostMapping(value = "/chat/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        public Flux<String> stream(@RequestBody String message, Principal user) {
            return prompt(message, user).stream().content()
                    .onErrorResume(ConsentInterruptException.class, e -> Flux.just(e.interrupt().toJson()));
        }

        @PostMapping(value = "/resume", produces = "application/json")
        public String resume(@RequestParam("id") String id, Principal user) {
            try {
                return reply(agent.resume(id, user.getName()).content());
            } catch (ConsentInterruptException e) {
                return e.interrupt().toJson();
            } catch (ResumeRejectedException e) {
                return "{\"type\":\"" + e.reason() + "\"}";   // e.g. CONSENT_PENDING: the popup closed early
            }
        }

        @PostMapping(value = "/decline", produces = "application/json")
        public String decline(@RequestParam("id") String id, Principal user) {
            return reply(agent.decline(id, user.getName()).content());
        }

        private static String reply(String text) {
            return "{\"type\":\"reply\",\"text\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(text)
                    + "}";
        }
    }
}
