package dev.agentauth.benchmarks;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.springai.AuthenticatedChatClient;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
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

/**
 * A whole tool-calling turn through Spring AI's {@code ChatClient}: the user's message, the model asking for one tool,
 * the tool run, the model answering with its result — through an {@link AuthenticatedChatClient} (an
 * {@code @AuthenticatedTool} with the user's cached token injected, the turn journaled) against a plain
 * {@code ChatClient} with the same {@code @Tool} method and the same chat memory advisor, in one run. The model is
 * in-process and answers at once: the ratio is what agent-auth adds to a turn, with nothing to hide it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class SpringAiTurnBenchmark {

    /** The tool as a plain Spring AI tool. */
    public static class PlainTools {
        @Tool(description = "Look up an order")
        public String lookup(String order) {
            return "order " + order + ": shipped";
        }
    }

    /** The same tool as an authenticated one: the user's token injected, used for nothing but its length. */
    public static class AuthenticatedTools {
        @Tool(description = "Look up an order")
        @AuthenticatedTool(provider = BrokerFixture.PROVIDER, scopes = "repo")
        public String lookup(@InjectToken String token, String order) {
            return token.isEmpty() ? "no token" : "order " + order + ": shipped";
        }
    }

    /** Asks for {@code lookup} on the user's message, answers with the tool's result on its return. */
    static final class OneToolModel implements ChatModel {
        @Override
        public ChatOptions getOptions() {
            return ToolCallingChatOptions.builder().build();
        }

        @Override
        public ChatResponse call(Prompt prompt) {
            List<Message> messages = prompt.getInstructions();
            Message last = messages.get(messages.size() - 1);
            if (last instanceof UserMessage) {
                return new ChatResponse(List.of(new Generation(AssistantMessage.builder().content("")
                        .toolCalls(List.of(new AssistantMessage.ToolCall("call-1", "function", "lookup",
                                "{\"order\":\"A-1\"}"))).build())));
            }
            String result = ((ToolResponseMessage) last).getResponses().get(0).responseData();
            return new ChatResponse(List.of(new Generation(new AssistantMessage("Your order: " + result))));
        }
    }

    BrokerFixture fixture;
    ChatClient plain;
    ChatClient authenticated;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new BrokerFixture();
        fixture.setUp();
        plain = ChatClient.builder(new OneToolModel()).defaultTools(new PlainTools())
                .defaultAdvisors(MessageChatMemoryAdvisor.builder(MessageWindowChatMemory.builder().maxMessages(20)
                        .build()).build())
                .build();
        authenticated = AuthenticatedChatClient.builder().broker(fixture.broker).chatModel(new OneToolModel())
                .tools(new AuthenticatedTools())
                .chatMemory(MessageWindowChatMemory.builder().maxMessages(20).build())
                .build().chatClient();
        String expected = "Your order: \"order A-1: shipped\"";
        if (!expected.equals(plainToolTurn()) || !expected.equals(authenticatedToolTurn())) {
            throw new IllegalStateException("a turn did not run the tool as expected: " + plainToolTurn() + " / "
                    + authenticatedToolTurn());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.tearDown();
    }

    /** The framework's plain tool call. */
    @Benchmark
    public String plainToolTurn() {
        return plain.prompt().user("where is my order")
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "c").param(AuthenticatedChatClient.USER, "alice"))
                .call().content();
    }

    /** The same turn with an authenticated tool: the user's cached token found and injected. */
    @Benchmark
    public String authenticatedToolTurn() {
        return authenticated.prompt().user("where is my order")
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "c").param(AuthenticatedChatClient.USER, "alice"))
                .call().content();
    }
}
