package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.Principal;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.springai.testing.ScriptedChatModel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * Whose token a Spring AI tool gets, and that it never reaches the model: two users at once, the agent's own token,
 * a call without a user, an argument the model sends under the credential's name, a tool that echoes its token; and
 * every model request, memory message and log line of every logger at TRACE free of tokens.
 */
class SpringAiTokenInjectionTest extends SpringAiTestBase {

    @Test
    void chatWhenTwoUsersAtOnceThenEachToolCallGetsItsOwnUsersToken() throws Exception {
        AuthenticatedChatClient agent = agent();
        for (String user : List.of("carol", "dave")) {
            ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                    () -> chat(agent, user, "conv-" + user, "notes and crm")).interrupt();
            authorizeAll(i, user);
            assertThat(agent.resume(i.id(), user).content()).contains("notes of " + user, "sub=" + user);
        }

        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String user = i % 2 == 0 ? "carol" : "dave";
            String conversation = "conv-" + user + "-" + i; // one call at a time per conversation
            answers.add(pool.submit((Callable<String>) () -> user + "=" + chat(agent, user, conversation,
                    "notes and crm")));
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
    void m2mToolWhenCalledThenTheAgentsOwnTokenWithoutConsent() {
        AuthenticatedChatClient agent = agent();
        assertThat(chat(agent, "frank", "c", "report")).contains("report by sub=notes-agent");
        assertThat(events).filteredOn(e -> e.type() == AuditEvent.Type.TOKEN_USED)
                .extracting(AuditEvent::detail).containsExactly("tool report");
    }

    @Test
    void chatWhenNoUserThenTypedFailureOutOfTheCallNothingToTheModelAndMemoryValid() {
        AuthenticatedChatClient agent = agent();
        try (LogCapture logs = LogCapture.start()) {
            MissingPrincipalException e = catchThrowableOfType(MissingPrincipalException.class,
                    () -> chat(agent, null, "nobody", "list my notes"));

            assertThat(e.getMessage()).contains("no user for this tool call", "AuthenticatedChatClient.user");
            assertThat(model.requests()).as("no second model request carrying the error").hasSize(1);
            assertThat(logs.projectWarnings()).anyMatch(l -> l.contains("listNotes")
                    && l.contains("no user for this tool call"));
        }
        assertThat(tools.listRuns).hasValue(0);
        // Spring AI's memory advisor keeps the user's message and no tool call of the failed turn: nothing dangles.
        List<Message> held = memory.get("nobody");
        assertEveryToolCallAnswered(held);
        assertThat(held).extracting(Message::getText).containsExactly("list my notes");
        // The conversation goes on once the application passes the user.
        assertThat(catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "nina", "nobody", "list my notes"))).isNotNull();
    }

    @Test
    void chatWhenModelSendsTokenArgumentThenIgnoredAndRealTokenUsed() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "jack", "c", "list my notes")).interrupt();
        authorizeAll(i, "jack");
        agent.resume(i.id(), "jack").content();
        api.receivedTokens().clear();

        assertThat(chat(agent, "jack", "c", "list my notes with a forged token")).contains("notes of jack");
        assertThat(api.receivedTokens()).hasSize(1).doesNotContain("forged");
    }

    @Test
    void toolWhenItReturnsItsTokenThenRedactedBeforeTheModel() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "kim", "c", "leak")).interrupt();
        authorizeAll(i, "kim");
        assertThat(agent.resume(i.id(), "kim").content()).contains("my token is [redacted credential]");
    }

    @Test
    void storedInterruptWhenAToolOfTheTurnRanWithATokenThenItsPayloadHoldsNoToken() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt first = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "wes", "p", "list my notes")).interrupt();
        authorizeAll(first, "wes");
        agent.resume(first.id(), "wes").content();
        api.receivedTokens().clear();

        // corp's token is used by listNotes, then crmWhoAmI needs a consent: the turn is stored with listNotes' result.
        ConsentInterrupt second = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "wes", "p", "notes and crm")).interrupt();
        assertThat(api.receivedTokens()).hasSize(1);
        String payload = broker.interruptStore().findInterrupt(second.id()).orElseThrow().payload();
        assertThat(payload).contains("notes of wes").doesNotContain(api.receivedTokens().get(0));
    }

    @Test
    void everyModelRequestMemoryMessageAndLogLineAtTraceWhenToolsRunThenNoTokenAnywhere() {
        List<String> seen = new ArrayList<>();
        List<String> lines;
        int logged;
        try (LogCapture logs = LogCapture.everything()) {
            AuthenticatedChatClient agent = agent();
            api.receivedTokens().clear();

            ConsentInterruptException e = catchThrowableOfType(ConsentInterruptException.class,
                    () -> chat(agent, "leo", "s", "notes and crm"));
            seen.add(e.getMessage());
            seen.add(e.interrupt().toJson());
            authorizeAll(e.interrupt(), "leo");
            seen.add(agent.resume(e.interrupt().id(), "leo").content());
            seen.add(chat(agent, "leo", "s", "list my notes"));
            seen.add(chat(agent, "leo", "s", "report"));
            seen.add(String.join("", spec(agent, "leo", "s", "notes and crm").stream().content().collectList()
                    .block()));
            seen.add(chat(agent, "leo", "s", "leak"));
            String current = broker.tokenOrThrow(TokenRequest.builder().provider("corp").scopes("notes.read")
                    .principal(Principal.user("leo")).build()).value();
            api.rejectOnce(current);
            seen.add(chat(agent, "leo", "s", "list my notes"));
            for (Message m : memory.get("s")) {
                seen.add(m.toString());
            }
            for (Prompt r : model.requests()) {
                seen.add(ScriptedChatModel.sent(r));
                seen.add(r.toString());
            }
            agent.toolCallbacks().forEach(c -> seen.add(c.getToolDefinition().toString()));
            lines = logs.allLines();
            logged = logs.eventCount();
        }
        Set<String> secrets = new LinkedHashSet<>(api.receivedTokens());
        assertThat(secrets).as("tokens were really used").hasSizeGreaterThanOrEqualTo(3);
        assertThat(model.requests()).hasSizeGreaterThan(8);
        assertThat(logged).as("the capture saw the run (TRACE on every logger)").isGreaterThan(50);
        assertThat(lines).as("Spring AI's own loggers were captured")
                .anyMatch(l -> l.startsWith("org.springframework.ai"));
        for (String secret : secrets) {
            assertThat(seen).noneMatch(s -> s != null && s.contains(secret));
            for (String line : lines) {
                if (!line.startsWith("no.nav.") && !line.startsWith("mockwebserver3.") && !line.startsWith("okhttp3.")
                        && !line.startsWith("io.netty.")) {
                    assertThat(line).as("a log line holds a token").doesNotContain(secret);
                }
            }
        }
        assertThat(String.join("\n", seen)).doesNotContain("\"token\"").contains("[redacted credential]");
    }
}
