package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The consent interrupt and resume: one interrupt per turn listing every missing consent, resume exactly once, by the right user only, declined and expired consents reported to the model. */
class ConsentInterruptResumeTest extends AgentToolsTestBase {

    @Test
    void chatWhenNoTokenThenInterruptThenBrowserConsentThenResumeRunsToolOnceAndAnswers() {
        ScriptedChatModel model = new ScriptedChatModel(SCRIPT);
        AuthenticatedAgent agent = agent(model);
        Assistant assistant = agent.aiService(Assistant.class);

        ConsentInterruptException e = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("conv-alice", "list my notes", as("alice")));

        ConsentInterrupt interrupt = e.interrupt();
        assertThat(interrupt.user()).isEqualTo("alice");
        assertThat(interrupt.consents()).singleElement().satisfies(c -> {
            assertThat(c.provider()).isEqualTo("corp");
            assertThat(c.providerDisplayName()).isEqualTo("Corp Notes");
            assertThat(c.scopes()).containsExactly("notes.read", "openid");
            assertThat(c.authorizationUrl()).startsWith(idp.authorizationEndpoint());
        });
        assertThat(interrupt.waitingToolCalls()).singleElement().satisfies(w -> {
            assertThat(w.toolName()).isEqualTo("listNotes");
            assertThat(w.provider()).isEqualTo("corp");
        });
        assertThat(interrupt.toJson()).contains("\"type\":\"consent_interrupt\"", "\"id\":\"" + interrupt.id() + "\"",
                "\"providerDisplayName\":\"Corp Notes\"", "\"authorizationUrl\":\"http", "\"toolName\":\"listNotes\"",
                "\"expiresAt\":\"20");
        assertThat(tools.listRuns).hasValue(0);
        assertEveryToolCallAnswered(agent.chatMemory("conv-alice").messages());

        authorizeAll(interrupt, "alice");
        String answer = agent.resume(interrupt.id(), "alice");

        assertThat(answer).isEqualTo("Answer: listNotes -> notes of alice: [welcome, alice]");
        assertThat(tools.listRuns).hasValue(1);
        assertEveryToolCallAnswered(agent.chatMemory("conv-alice").messages());
        assertThat(agent.chatMemory("conv-alice").messages()).noneMatch(m -> m instanceof ToolExecutionResultMessage r
                && r.text().contains("Waiting for the user"));
        assertThatThrownBy(() -> agent.resume(interrupt.id(), "alice"))
                .isInstanceOfSatisfying(ResumeRejectedException.class,
                        r -> assertThat(r.reason()).isEqualTo(ResumeRejectedException.Reason.UNKNOWN));
        assertThat(tools.listRuns).as("exactly once").hasValue(1);

        // the grant is there now: no interrupt the second time
        assertThat(assistant.chat("conv-alice", "list my notes", as("alice"))).contains("notes of alice");
        // every turn reported its end: the interrupted one (settled), the resumed one and the last one
        assertThat(agent.core().turnsKept()).isZero();
    }

    @Test
    void resumeWhenConsentNotYetGivenThenPendingAndInterruptKept() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "list my notes", as("alice"))).interrupt();

        assertThatThrownBy(() -> agent.resume(interrupt.id(), "alice"))
                .isInstanceOfSatisfying(ResumeRejectedException.class, r -> {
                    assertThat(r.reason()).isEqualTo(ResumeRejectedException.Reason.CONSENT_PENDING);
                    assertThat(r.interrupt().id()).isEqualTo(interrupt.id());
                });
        assertThat(agent.interrupt(interrupt.id())).isPresent();
    }

    @Test
    void resumeWhenWrongUserThenRejectedAndRightUserStillCan() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "list my notes", as("alice"))).interrupt();
        authorizeAll(interrupt, "alice");

        assertThatThrownBy(() -> agent.resume(interrupt.id(), "mallory"))
                .isInstanceOfSatisfying(ResumeRejectedException.class,
                        r -> assertThat(r.reason()).isEqualTo(ResumeRejectedException.Reason.WRONG_USER));
        assertThat(tools.listRuns).hasValue(0);
        assertThat(agent.<String>resume(interrupt.id(), "alice")).contains("notes of alice");
    }

    @Test
    void resumeWhenUserDeclinedThenModelToldAndConversationGoesOn() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "list my notes", as("alice"))).interrupt();
        URI authorization = URI.create(interrupt.consents().get(0).authorizationUrl());
        String state = com.nimbusds.oauth2.sdk.util.URLUtils.parseParameters(authorization.getRawQuery())
                .get("state").get(0);
        browser.get(URI.create(broker.redirectUri().orElseThrow() + "?error=access_denied&state="
                + URLEncoder.encode(state, StandardCharsets.UTF_8)));

        String answer = agent.resume(interrupt.id(), "alice");

        assertThat(answer).contains("declined to authorize Corp Notes");
        assertThat(tools.listRuns).hasValue(0);
        assertEveryToolCallAnswered(agent.chatMemory("c").messages());
    }

    @Test
    void resumeWhenConsentExpiredThenModelToldExpired() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "list my notes", as("alice"))).interrupt();
        clock.advance(Duration.ofMinutes(11));

        String answer = agent.resume(interrupt.id(), "alice");

        assertThat(answer).contains("expired before the user completed it");
        assertThat(tools.listRuns).hasValue(0);
    }

    @Test
    void chatWhenTwoProvidersMissingThenOneInterruptListsBothAndResumeRunsAllCalls() {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.aiService(Assistant.class).chat("c", "notes and crm", as("bob"))).interrupt();

        assertThat(interrupt.consents()).extracting(ConsentInterrupt.Consent::provider)
                .containsExactlyInAnyOrder("corp", "crm");
        assertThat(interrupt.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::toolName)
                .containsExactly("listNotes", "crmWhoAmI", "add");
        assertEveryToolCallAnswered(agent.chatMemory("c").messages());

        authorizeAll(interrupt, "bob");
        String answer = agent.resume(interrupt.id(), "bob");

        assertThat(answer).isEqualTo("Answer: listNotes -> notes of bob: [welcome, bob] | crmWhoAmI -> sub=bob"
                + " | add -> 5");
        assertEveryToolCallAnswered(agent.chatMemory("c").messages());
    }
}
