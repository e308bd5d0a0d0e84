package dev.agentauth.spring.boot.springai;

import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ToolCredential;
import dev.agentauth.springai.AuthenticatedChatClient;
import dev.agentauth.springai.testing.ScriptedChatModel;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot application on Spring AI as a user writes one: Spring Security users, a Spring AI model bean, chat
 * memory, a tool bean with an {@code @AuthenticatedTool} Spring AI tool, a chat endpoint. Everything agent-auth comes
 * from the auto-configuration and the properties of the test.
 */
@SpringBootApplication
@org.springframework.context.annotation.Import(dev.agentauth.spring.boot.TestUsers.class)
public class SpringAiNotesApplication {

    /** A Spring AI tool that needs the user's token: it reports whose token it got and with which scopes. */
    public static class NotesTools {
        @Tool(description = "List the user's notes")
        @AuthenticatedTool(provider = "corp", scopes = "notes.read")
        public String listNotes(ToolContext context) throws java.text.ParseException {
            ToolCredential credential = ToolCredential.from(context.getContext());
            String subject = SignedJWT.parse(credential.value()).getJWTClaimsSet().getSubject();
            return "notes of " + subject + " read with " + credential.scopes();
        }
    }

    @Bean
    NotesTools notesTools() {
        return new NotesTools();
    }

    @Bean
    ChatModel chatModel() {
        return new ScriptedChatModel(Map.of("list my notes", List.of(new ScriptedChatModel.Call("listNotes", "{}"))));
    }

    @Bean
    ChatMemory chatMemory() {
        return MessageWindowChatMemory.builder().build();
    }

    /** The chat API: the user is the Spring Security principal, never part of the message. */
    @RestController
    public static class ChatController {
        private final AuthenticatedChatClient agent;

        public ChatController(AuthenticatedChatClient agent) {
            this.agent = agent;
        }

        @PostMapping(value = "/chat", produces = "application/json")
        public String chat(@RequestBody String message, Principal user) {
            try {
                return "{\"type\":\"reply\",\"text\":\"" + agent.chatClient().prompt().user(message)
                        .advisors(AuthenticatedChatClient.user(user.getName()))
                        .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, user.getName()))
                        .call().content().replace("\"", "'") + "\"}";
            } catch (ConsentInterruptException e) {
                return e.interrupt().toJson();
            }
        }

        @PostMapping(value = "/resume", produces = "text/plain")
        public String resume(@RequestParam("id") String id, Principal user) {
            return agent.resume(id, user.getName()).content();
        }
    }
}
