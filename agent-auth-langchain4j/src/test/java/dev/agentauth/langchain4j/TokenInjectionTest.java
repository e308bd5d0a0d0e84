package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Whose token a tool gets, and that it never reaches the model: per user and agent, machine-to-machine and API keys, an argument the model sends under the credential's name, a tool that echoes its token. */
class TokenInjectionTest extends AgentToolsTestBase {

    @Test
    void chatWhenToolsRunConcurrentlyForTwoUsersThenEachGetsOwnData() throws Exception {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT), ConsentMode.INTERRUPT, true);
        Assistant assistant = agent.aiService(Assistant.class);
        for (String user : List.of("carol", "dave")) {
            ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                    () -> assistant.chat("conv-" + user, "notes and crm", as(user))).interrupt();
            authorizeAll(i, user);
            assertThat(agent.<String>resume(i.id(), user)).contains("notes of " + user, "sub=" + user);
        }

        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String user = i % 2 == 0 ? "carol" : "dave";
            String conversation = "conv-" + user + "-" + i; // one turn at a time per conversation, as in LangChain4j
            answers.add(pool.submit((Callable<String>) () -> user + "=" + assistant.chat(conversation,
                    "notes and crm", as(user))));
        }
        for (Future<String> f : answers) {
            String a = f.get();
            String user = a.substring(0, a.indexOf('='));
            String other = user.equals("carol") ? "dave" : "carol";
            assertThat(a).contains("notes of " + user, "sub=" + user).doesNotContain(other);
        }
        pool.shutdown();
    }

    @Test
    void agentScopedToolWhenOtherAgentThenSeparateConsentWhileSharedGrantServesBoth() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt forA = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("a", "private notes", as("erin", "agent-a"))).interrupt();
        authorizeAll(forA, "erin");
        assertThat(agent.<String>resume(forA.id(), "erin")).contains("notes of erin");

        assertThatThrownBy(() -> assistant.chat("b", "private notes", as("erin", "agent-b")))
                .isInstanceOf(ConsentInterruptException.class);

        ConsentInterrupt shared = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("a2", "list my notes", as("erin", "agent-a"))).interrupt();
        authorizeAll(shared, "erin");
        agent.resume(shared.id(), "erin");
        assertThat(assistant.chat("b2", "list my notes", as("erin", "agent-b"))).contains("notes of erin");
    }

    @Test
    void m2mAndApiKeyToolsWhenCalledThenNoConsent() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);

        assertThat(assistant.chat("c", "report", as("frank"))).contains("report by sub=notes-agent");
        assertThat(assistant.chat("c", "weather", as("frank"))).contains("sunny in Oslo (key accepted)");
        assertThat(events).filteredOn(e -> e.type() == dev.agentauth.core.AuditEvent.Type.TOKEN_USED)
                .extracting(dev.agentauth.core.AuditEvent::detail).containsExactly("tool report", "tool weather");
    }

    @Test
    void chatWhenNoUserInInvocationThenToolErrorNotAnotherUsersToken() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));

        // A typed exception out of the AI-service call, not a text the model would repeat (MissingPrincipalTest).
        MissingPrincipalException e = catchThrowableOfType(MissingPrincipalException.class,
                () -> agent.aiService(Assistant.class).chat("c", "list my notes", new InvocationParameters()));

        assertThat(e.getMessage()).contains("no user for this tool call");
        assertThat(tools.listRuns).hasValue(0);
    }

    @Test
    void chatWhenModelSendsTokenArgumentThenIgnoredAndRealTokenUsed() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "list my notes", as("jack"))).interrupt();
        authorizeAll(i, "jack");
        agent.resume(i.id(), "jack");
        api.receivedTokens().clear();

        assertThat(assistant.chat("c", "list my notes with a forged token", as("jack"))).contains("notes of jack");
        assertThat(api.receivedTokens()).doesNotContain("forged");
    }

    @Test
    void toolWhenItReturnsItsTokenThenRedactedBeforeTheModel() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = agent(model);
        Assistant assistant = agent.aiService(Assistant.class);
        ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("c", "leak", as("kim"))).interrupt();
        authorizeAll(i, "kim");

        String answer = agent.resume(i.id(), "kim");

        assertThat(answer).contains("my token is [redacted credential]");
    }

    @Test
    void everyModelRequestAndMemoryMessageWhenToolsRunThenNoTokenAnywhere() {
        dev.agentauth.core.testing.LogCapture logs = dev.agentauth.core.testing.LogCapture.start();
        List<String> seen = new ArrayList<>();
        dev.agentauth.langchain4j.testing.ScriptedChatModel model =
                new dev.agentauth.langchain4j.testing.ScriptedChatModel(SCRIPT);
        try {
            AuthenticatedAgent agent = agent(model);
            Assistant assistant = agent.aiService(Assistant.class);
            api.receivedTokens().clear();

            ConsentInterruptException e = catchThrowableOfType(ConsentInterruptException.class,
                    () -> assistant.chat("s", "notes and crm", as("leo")));
            seen.add(e.getMessage());
            seen.add(e.interrupt().toJson());
            authorizeAll(e.interrupt(), "leo");
            seen.add(agent.resume(e.interrupt().id(), "leo"));
            seen.add(assistant.chat("s", "list my notes", as("leo")));
            seen.add(assistant.chat("s", "report", as("leo")));
            seen.add(assistant.chat("s", "weather", as("leo")));
            seen.add(assistant.chat("s", "leak", as("leo")));
            String current = broker.tokenOrThrow(TokenRequest.builder().provider("corp").scopes("notes.read")
                    .principal(Principal.user("leo")).build()).value();
            api.rejectOnce(current);
            seen.add(assistant.chat("s", "list my notes", as("leo")));
            for (ChatMessage m : agent.chatMemory("s").messages()) {
                seen.add(m.toString());
            }
            for (ChatRequest r : model.requests()) {
                seen.add(r.toString());
                seen.add(r.messages().toString());
                seen.add(String.valueOf(r.toolSpecifications()));
            }
            seen.add(agent.toolSpecifications().toString());
        } finally {
            logs.close();
        }
        seen.addAll(logs.projectLines());
        Set<String> secrets = new LinkedHashSet<>(api.receivedTokens());
        secrets.add(WEATHER_KEY);
        assertThat(secrets).as("tokens were really used").hasSizeGreaterThanOrEqualTo(4);
        assertThat(model.requests()).hasSizeGreaterThan(5);
        for (String secret : secrets) {
            assertThat(seen).noneMatch(s -> s != null && s.contains(secret));
        }
        assertThat(String.join("\n", seen)).doesNotContain("\"token\"").contains("[redacted credential]");
    }
}
