package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.langchain4j.testing.ScriptedStreamingChatModel;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.InputGuardrail;
import dev.langchain4j.guardrail.InputGuardrailResult;
import dev.langchain4j.guardrail.OutputGuardrail;
import dev.langchain4j.guardrail.OutputGuardrailResult;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.Result;
import dev.langchain4j.service.TokenStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A resumed turn goes through the application's AI service: its guardrails run, its output is parsed into the
 * method's return type (a POJO, {@code Result<T>}), and a {@code TokenStream} service is interrupted on the stream
 * and resumed as a stream.
 */
class ResumeThroughAiServiceTest extends AgentToolsTestBase {

    record NotesSummary(String answer, int length) {
    }

    interface Summarizer {
        NotesSummary summarize(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String message,
                               InvocationParameters parameters);

        Result<String> chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String message,
                            InvocationParameters parameters);
    }

    /** Overloads of one name and arity: a resume must call the one that was interrupted. */
    interface Overloaded {
        String ask(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String message,
                   InvocationParameters parameters);

        NotesSummary ask(@MemoryId Integer conversation, @dev.langchain4j.service.UserMessage String message,
                         InvocationParameters parameters);
    }

    interface StreamingAssistant {
        TokenStream chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String message,
                         InvocationParameters parameters);
    }

    /** Calls listNotes for "list my notes"; answers tool results as JSON when the user message asks for JSON. */
    static final class JsonAnsweringModel implements ChatModel {
        final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
        final AtomicInteger ids = new AtomicInteger();

        @Override
        public ChatResponse doChat(ChatRequest request) {
            requests.add(request);
            List<ChatMessage> messages = request.messages();
            ChatMessage last = messages.get(messages.size() - 1);
            if (last instanceof UserMessage user && user.singleText().startsWith("list my notes")) {
                return ChatResponse.builder().aiMessage(AiMessage.from(ToolExecutionRequest.builder()
                        .id("call-" + ids.incrementAndGet()).name("listNotes").arguments("{}").build())).build();
            }
            if (last instanceof ToolExecutionResultMessage result) {
                boolean json = messages.stream().anyMatch(m -> m instanceof UserMessage u
                        && u.singleText().contains("JSON"));
                try {
                    String text = json ? new ObjectMapper().writeValueAsString(new NotesSummary(result.text(),
                            result.text().length())) : "Answer: " + result.text();
                    return ChatResponse.builder().aiMessage(AiMessage.from(text)).build();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return ChatResponse.builder().aiMessage(AiMessage.from("I can't help with that.")).build();
        }
    }

    final List<String> guardedInputs = new CopyOnWriteArrayList<>();
    final List<String> guardedOutputs = new CopyOnWriteArrayList<>();

    final InputGuardrail input = new InputGuardrail() {
        @Override
        public InputGuardrailResult validate(UserMessage message) {
            guardedInputs.add(message.singleText());
            return success();
        }
    };

    final OutputGuardrail output = new OutputGuardrail() {
        @Override
        public OutputGuardrailResult validate(AiMessage message) {
            guardedOutputs.add(message.text());
            return message.text().startsWith("Answer: ") ? successWith(message.text() + " (checked)") : success();
        }
    };

    AuthenticatedAgent agentWith(ChatModel model) {
        AuthenticatedAgent agent = agent(new ScriptedChatModel(SCRIPT));
        // Same broker and tools, the JSON-answering model.
        return AuthenticatedAgent.builder().broker(broker).chatModel(model).tools(tools).clock(clock).build();
    }

    @Test
    void resumeWhenTheServiceReturnsAPojoThenGuardrailsRunAndTheAnswerIsParsed() {
        JsonAnsweringModel model = new JsonAnsweringModel();
        AuthenticatedAgent agent = agentWith(model);
        Summarizer summarizer = agent.aiService(Summarizer.class, s -> s.inputGuardrails(input)
                .outputGuardrails(output));

        ConsentInterruptException e = catchThrowableOfType(ConsentInterruptException.class,
                () -> summarizer.summarize("pojo", "list my notes", as("alice")));
        assertThat(guardedInputs).hasSize(1);
        assertThat(guardedOutputs).as("no answer yet").isEmpty();
        authorizeAll(e.interrupt(), "alice");
        int requestsBefore = model.requests.size();

        NotesSummary summary = agent.resume(e.interrupt().id(), "alice");

        assertThat(summary.answer()).isEqualTo("notes of alice: [welcome, alice]");
        assertThat(summary.length()).isEqualTo(summary.answer().length());
        assertThat(tools.listRuns).hasValue(1);
        assertThat(guardedInputs).as("the input guardrail ran on the continued turn").hasSize(2);
        assertThat(guardedOutputs).as("the output guardrail saw the continued answer").singleElement()
                .asString().contains("notes of alice");
        // The continued request is the conversation with the tool result last, and the user's message is not repeated.
        ChatRequest continued = model.requests.get(requestsBefore);
        assertThat(continued.messages().get(continued.messages().size() - 1))
                .isInstanceOf(ToolExecutionResultMessage.class);
        List<ChatMessage> memory = agent.chatMemory("pojo").messages();
        assertThat(memory.stream().filter(m -> m instanceof UserMessage).count()).isEqualTo(1);
        assertEveryToolCallAnswered(memory);
    }

    @Test
    void resumeWhenTheServiceReturnsAResultThenTheOutputGuardrailsRewriteIsItsContent() {
        JsonAnsweringModel model = new JsonAnsweringModel();
        AuthenticatedAgent agent = agentWith(model);
        Summarizer summarizer = agent.aiService(Summarizer.class, s -> s.outputGuardrails(output));

        ConsentInterruptException e = catchThrowableOfType(ConsentInterruptException.class,
                () -> summarizer.chat("result", "list my notes", as("alice")));
        authorizeAll(e.interrupt(), "alice");

        Result<String> result = agent.resume(e.interrupt().id(), "alice", Result.class);

        assertThat(result.content()).isEqualTo("Answer: notes of alice: [welcome, alice] (checked)");
        assertThat(tools.listRuns).hasValue(1);
        assertEveryToolCallAnswered(agent.chatMemory("result").messages());
    }

    @Test
    void resumeWhenTheServiceHasOverloadsThenTheInterruptedOneContinues() {
        JsonAnsweringModel model = new JsonAnsweringModel();
        AuthenticatedAgent agent = agentWith(model);
        Overloaded service = agent.aiService(Overloaded.class);

        ConsentInterruptException e = catchThrowableOfType(ConsentInterruptException.class,
                () -> service.ask(7, "list my notes", as("alice")));
        authorizeAll(e.interrupt(), "alice");
        NotesSummary summary = agent.resume(e.interrupt().id(), "alice", NotesSummary.class);

        assertThat(summary.answer()).isEqualTo("notes of alice: [welcome, alice]");
        assertEveryToolCallAnswered(agent.chatMemory(7).messages());
    }

    @Test
    void tokenStreamWhenAToolNeedsConsentThenTheStreamEndsWithTheInterruptAndResumeStreamsTheAnswer()
            throws Exception {
        agent(new ScriptedChatModel(SCRIPT)); // the broker and tools
        ScriptedStreamingChatModel model = new ScriptedStreamingChatModel(SCRIPT);
        AuthenticatedAgent agent = AuthenticatedAgent.builder().broker(broker).streamingChatModel(model).tools(tools)
                .clock(clock).build();
        StreamingAssistant assistant = agent.aiService(StreamingAssistant.class);

        List<String> partials = new CopyOnWriteArrayList<>();
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        assistant.chat("stream", "list my notes", as("alice")).onPartialResponse(partials::add)
                .onCompleteResponse(r -> ended.complete(null)).onError(ended::complete).start();

        Throwable error = ended.get(30, TimeUnit.SECONDS);
        assertThat(error).isInstanceOf(ConsentInterruptException.class);
        ConsentInterrupt interrupt = ((ConsentInterruptException) error).interrupt();
        assertThat(interrupt.waitingToolCalls()).extracting(ConsentInterrupt.WaitingToolCall::toolName)
                .containsExactly("listNotes");
        assertThat(partials).isEmpty();
        assertEveryToolCallAnswered(agent.chatMemory("stream").messages());
        assertThat(agent.pendingInterrupts("alice")).extracting(ConsentInterrupt::id).containsExactly(interrupt.id());

        authorizeAll(interrupt, "alice");
        TokenStream continued = agent.resume(interrupt.id(), "alice");
        CompletableFuture<String> answer = new CompletableFuture<>();
        List<String> words = new ArrayList<>();
        continued.onPartialResponse(words::add).onCompleteResponse(r -> answer.complete(r.aiMessage().text()))
                .onError(answer::completeExceptionally).start();

        assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo("Answer: listNotes -> notes of alice: [welcome, alice]");
        assertThat(String.join("", words)).isEqualTo(answer.get());
        assertThat(words).hasSizeGreaterThan(3);
        assertThat(tools.listRuns).hasValue(1);
        assertThat(agent.pendingInterrupts("alice")).isEmpty();
        List<ChatMessage> memory = agent.chatMemory("stream").messages();
        assertThat(memory.stream().filter(m -> m instanceof UserMessage).count()).isEqualTo(1);
        assertThat(memory.get(memory.size() - 1)).isInstanceOf(AiMessage.class);
        assertEveryToolCallAnswered(memory);
        // the streamed turns reported their ends too (the completed event may follow the last callback)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (agent.core().turnsKept() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(agent.core().turnsKept()).isZero();
    }
}
