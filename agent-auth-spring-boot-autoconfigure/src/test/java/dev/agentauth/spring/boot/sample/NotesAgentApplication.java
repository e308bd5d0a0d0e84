package dev.agentauth.spring.boot.sample;

import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.agentauth.langchain4j.ToolCredential;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot application as a user writes one: Spring Security users, a LangChain4j model bean, a tool bean with
 * an {@code @AuthenticatedTool} method, a chat endpoint. Everything agent-auth comes from the auto-configuration and
 * the properties of the test.
 */
@SpringBootApplication
@org.springframework.context.annotation.Import(dev.agentauth.spring.boot.TestUsers.class)
public class NotesAgentApplication {

    /** The AI service the chat endpoint calls. */
    public interface Assistant {
        String chat(@MemoryId String conversation, @UserMessage String message, InvocationParameters user);
    }

    /** A tool that needs the user's token: it reports whose token it got and with which scopes. */
    public static class NotesTools {
        @Tool("List the user's notes")
        @AuthenticatedTool(provider = "corp", scopes = "notes.read")
        public String listNotes(ToolCredential credential) throws java.text.ParseException {
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
        return new ScriptedChatModel(Map.of("list my notes",
                List.of(new ScriptedChatModel.Call("listNotes", "{}"))));
    }

    @Bean
    Assistant assistant(AuthenticatedAgent agent) {
        return agent.aiService(Assistant.class);
    }

    /** The chat API: the user is the Spring Security principal, never part of the message. */
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
                return "{\"type\":\"reply\",\"text\":\"" + assistant.chat(user.getName(), message,
                        InvocationParameters.from(PrincipalResolver.USER, user.getName())) + "\"}";
            } catch (ConsentInterruptException e) {
                return e.interrupt().toJson();
            }
        }

        @PostMapping(value = "/resume", produces = "text/plain")
        public String resume(@RequestParam("id") String id, Principal user) {
            return agent.resume(id, user.getName());
        }
    }
}
