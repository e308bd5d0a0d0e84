package dev.agentauth.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.agent.ConsentMode;
import org.junit.jupiter.api.Test;

/** Blocking and tell-the-model modes through a Spring AI ChatClient. */
class SpringAiConsentModesTest extends SpringAiTestBase {

    @Test
    void blockingModeWhenUserSignsInMeanwhileThenTheCallWaitsAndAnswers() {
        AuthenticatedChatClient agent = agent(ConsentMode.BLOCKING);
        assertThat(chat(agent, "ivan", "c", "list my notes")).contains("notes of ivan");
        assertThat(tools.listRuns).hasValue(1);
        assertEveryToolCallAnswered(memory.get("c"));
        java.util.List<String> streamed = spec(agent, "ivan", "c2", "list my notes").stream().content().collectList()
                .block();
        assertThat(streamed).hasSize(2);
        assertThat(String.join("", streamed)).isEqualTo("Answer: listNotes -> \"notes of ivan: [welcome, ivan]\"");
    }

    @Test
    void tellModelModeWhenNoTokenThenTheToolResultAsksToAuthorize() {
        AuthenticatedChatClient agent = agentBuilder(ConsentMode.TELL_MODEL).consentListener(c -> { })
                .chatMemory(memory).build();
        String answer = chat(agent, "judy", "c", "list my notes");
        assertThat(answer).contains("Authorization needed: judy has not connected Corp Notes")
                .contains(idp.authorizationEndpoint() + "?client_id=notes-agent");
        assertThat(tools.listRuns).hasValue(0);
        assertThat(agent.pendingInterrupts("judy")).isEmpty();
    }
}
