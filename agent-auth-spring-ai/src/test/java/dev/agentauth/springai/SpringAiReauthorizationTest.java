package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.TokenRequest;
import org.junit.jupiter.api.Test;

/** An API's 401 and 403 to a Spring AI tool: one refresh and a retry; consent again; a step-up for more scopes. */
class SpringAiReauthorizationTest extends SpringAiTestBase {

    @Test
    void toolWhenApiRejectsTokenOnceThenRefreshAndRetry() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt i = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "gina", "c", "list my notes")).interrupt();
        authorizeAll(i, "gina");
        agent.resume(i.id(), "gina").content();
        String current = broker.tokenOrThrow(TokenRequest.builder().provider("corp").scopes("notes.read")
                .principal(Principal.user("gina")).build()).value();
        api.rejectOnce(current);
        idp.drainRequests();

        assertThat(chat(agent, "gina", "c", "list my notes")).contains("notes of gina");
        assertThat(idp.drainTokenRequests()).as("one refresh").isEqualTo(1);
        assertThat(tools.listRuns).hasValue(3); // resume, rejected attempt, retry
    }

    @Test
    void toolWhenApiRejectsRefreshedTokenTooThenConsentAgain() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt first = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "nina", "c", "list my notes")).interrupt();
        authorizeAll(first, "nina");
        agent.resume(first.id(), "nina").content();
        api.rejectNext(2);

        ConsentInterrupt again = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "nina", "c", "list my notes")).interrupt();

        assertThat(again.consents()).singleElement().satisfies(c -> assertThat(c.provider()).isEqualTo("corp"));
        authorizeAll(again, "nina");
        assertThat(agent.resume(again.id(), "nina").content()).contains("notes of nina");
        assertEveryToolCallAnswered(memory.get("c"));
    }

    @Test
    void toolWhenApiNeedsMoreScopesThenResumeAsksAStepUpForTheUnionAndTheSecondResumeRuns() {
        AuthenticatedChatClient agent = agent();
        ConsentInterrupt first = catchThrowableOfType(ConsentInterruptException.class,
                () -> chat(agent, "oscar", "c", "archive")).interrupt();
        assertThat(first.consents().get(0).scopes()).containsExactly("notes.read", "openid");
        authorizeAll(first, "oscar");

        ConsentInterruptException stepUp = catchThrowableOfType(ConsentInterruptException.class,
                () -> agent.resume(first.id(), "oscar"));

        assertThat(stepUp.interrupt().consents()).singleElement().satisfies(c -> {
            assertThat(c.scopes()).containsExactly("notes.archive", "notes.read", "openid");
            assertThat(c.scopeDetails()).anySatisfy(d -> {
                assertThat(d.scope()).isEqualTo("notes.read");
                assertThat(d.alreadyGranted()).isTrue();
            });
        });
        assertEveryToolCallAnswered(memory.get("c"));
        authorizeAll(stepUp.interrupt(), "oscar");
        assertThat(agent.resume(stepUp.interrupt().id(), "oscar").content())
                .contains("archived with scopes notes.archive notes.read openid");
        assertEveryToolCallAnswered(memory.get("c"));
    }
}
