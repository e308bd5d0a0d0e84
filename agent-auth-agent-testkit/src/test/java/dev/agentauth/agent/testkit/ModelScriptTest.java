package dev.agentauth.agent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentauth.agent.ToolCall;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The neutral model every harness wraps: what it answers to each kind of conversation, and what it records. */
class ModelScriptTest {

    final ModelScript script = ModelScript.builder()
            .call("list my notes", "listNotes", "{}")
            .call("both", "listNotes", "{}")
            .call("both", "archiveNotes", "{\"why\":\"old\"}")
            .build();

    static ModelRequest request(NeutralMessage... messages) {
        return new ModelRequest(List.of(messages), List.of(), List.of(messages).toString());
    }

    @Test
    void answerWhenTheUserSaysAScriptedMessageThenItsCallsInOneAnswerEachWithANewId() {
        ModelReply first = script.answer(request(new NeutralMessage.User("both")));
        ModelReply second = script.answer(request(new NeutralMessage.User("list my notes")));

        assertThat(first.callsTools()).isTrue();
        assertThat(first.text()).isNull();
        assertThat(first.toolCalls()).extracting(ToolCall::name, ToolCall::arguments)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("listNotes", "{}"),
                        org.assertj.core.groups.Tuple.tuple("archiveNotes", "{\"why\":\"old\"}"));
        assertThat(first.toolCalls().get(0).id()).startsWith("call-");
        assertThat(List.of(first.toolCalls().get(0).id(), first.toolCalls().get(1).id(),
                second.toolCalls().get(0).id())).doesNotHaveDuplicates();
    }

    @Test
    void answerWhenTheMessageHasNoScriptOrTheConversationIsEmptyThenItCannotHelp() {
        assertThat(script.answer(request(new NeutralMessage.User("hello"))).text()).isEqualTo(ModelScript.NO_SCRIPT);
        assertThat(script.answer(request()).text()).isEqualTo(ModelScript.NO_SCRIPT);
        assertThat(script.answer(request(new NeutralMessage.Assistant("hi", List.of()))).text())
                .isEqualTo(ModelScript.NO_SCRIPT);
    }

    @Test
    void answerWhenToolResultsEndTheConversationThenItQuotesTheTrailingOnesInOrder() {
        ModelReply reply = script.answer(request(
                new NeutralMessage.Instructions("be brief"),
                new NeutralMessage.User("earlier"),
                new NeutralMessage.Assistant(null, List.of(new ToolCall("c0", "old", "{}"))),
                new NeutralMessage.ToolResult("c0", "old", "not quoted"),
                new NeutralMessage.User("both"),
                new NeutralMessage.Assistant(null, List.of(new ToolCall("c1", "listNotes", "{}"),
                        new ToolCall("c2", "archiveNotes", "{}"))),
                new NeutralMessage.ToolResult("c1", "listNotes", "notes of alice"),
                new NeutralMessage.ToolResult("c2", "archiveNotes", "archived")));

        assertThat(reply.callsTools()).isFalse();
        assertThat(reply.text()).isEqualTo("Answer: listNotes -> notes of alice | archiveNotes -> archived");
    }

    @Test
    void requestsWhenAnsweredThenRecordedInOrder() {
        ModelRequest a = request(new NeutralMessage.User("list my notes"));
        ModelRequest b = request(new NeutralMessage.User("hello"));
        script.answer(a);
        script.answer(b);

        assertThat(script.requests()).containsExactly(a, b);
    }

    @Test
    void chunksWhenJoinedThenTheTextWordByWord() {
        String text = "Answer: listNotes -> notes of alice: [welcome, alice]";

        List<String> chunks = ModelScript.chunks(text);

        assertThat(chunks).hasSize(8).startsWith("Answer: ", "listNotes ");
        assertThat(String.join("", chunks)).isEqualTo(text);
    }

    @Test
    void replyWhenBothOrNeitherTextAndCallsThenRefused() {
        assertThatThrownBy(() -> new ModelReply("text", List.of(new ToolCall("c", "t", "{}"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ModelReply(null, List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toolRunWhenPrintedThenItsTokenIsNot() {
        assertThat(new ContractTools.Run("listNotes", "secret-token-value")).asString()
                .doesNotContain("secret-token-value").contains("listNotes");
    }
}
