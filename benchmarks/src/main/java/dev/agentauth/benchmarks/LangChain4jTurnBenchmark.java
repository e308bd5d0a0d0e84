package dev.agentauth.benchmarks;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
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

/**
 * A whole tool-calling turn through LangChain4j: the user's message, the model asking for one tool, the tool run,
 * the model answering with its result — through an {@link AuthenticatedAgent} (an {@code @AuthenticatedTool} with the
 * user's cached token injected, the turn journaled) against the same AI service built by {@code AiServices} with a
 * plain {@code @Tool}, in one run. The model is in-process and answers at once, so the figure is the framework's own
 * work plus ours: the ratio is what agent-auth adds to a turn, with nothing (no network, no model) to hide it.
 *
 * <p>Both services keep a 20-message window of chat memory per conversation, as an application would.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class LangChain4jTurnBenchmark {

    /** The AI service both builds implement. */
    public interface Assistant {
        String chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String message,
                    InvocationParameters parameters);
    }

    /** The tool as a plain LangChain4j tool: no credential. */
    public static class PlainTools {
        @Tool("Look up an order")
        public String lookup(String order) {
            return "order " + order + ": shipped";
        }
    }

    /** The same tool as an authenticated one: the user's token injected, used for nothing but its length. */
    public static class AuthenticatedTools {
        @Tool("Look up an order")
        @AuthenticatedTool(provider = BrokerFixture.PROVIDER, scopes = "repo")
        public String lookup(@InjectToken String token, String order) {
            return token.isEmpty() ? "no token" : "order " + order + ": shipped";
        }
    }

    /** Asks for {@code lookup} on the user's message, answers with the tool's result on its return. */
    static final class OneToolModel implements ChatModel {
        @Override
        public ChatResponse doChat(ChatRequest request) {
            List<ChatMessage> messages = request.messages();
            ChatMessage last = messages.get(messages.size() - 1);
            if (last instanceof UserMessage) {
                return ChatResponse.builder().aiMessage(AiMessage.from(ToolExecutionRequest.builder().id("call-1")
                        .name("lookup").arguments("{\"order\":\"A-1\"}").build())).build();
            }
            return ChatResponse.builder().aiMessage(AiMessage.from("Your order: "
                    + ((ToolExecutionResultMessage) last).text())).build();
        }
    }

    BrokerFixture fixture;
    Assistant plain;
    Assistant authenticated;
    final InvocationParameters alice = InvocationParameters.from(PrincipalResolver.USER, "alice");

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new BrokerFixture();
        fixture.setUp();
        ConcurrentHashMap<Object, ChatMemory> plainMemories = new ConcurrentHashMap<>();
        plain = AiServices.builder(Assistant.class).chatModel(new OneToolModel()).tools(new PlainTools())
                .chatMemoryProvider(id -> plainMemories.computeIfAbsent(id,
                        k -> MessageWindowChatMemory.builder().id(k).maxMessages(20).build()))
                .build();
        ConcurrentHashMap<Object, ChatMemory> memories = new ConcurrentHashMap<>();
        authenticated = AuthenticatedAgent.builder().broker(fixture.broker).chatModel(new OneToolModel())
                .tools(new AuthenticatedTools())
                .chatMemoryProvider(id -> memories.computeIfAbsent(id,
                        k -> MessageWindowChatMemory.builder().id(k).maxMessages(20).build()))
                .build().aiService(Assistant.class);
        String expected = "Your order: order A-1: shipped";
        if (!expected.equals(plain.chat("c", "where is my order", alice))
                || !expected.equals(authenticated.chat("c", "where is my order", alice))) {
            throw new IllegalStateException("a turn did not run the tool as expected");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.tearDown();
    }

    /** The framework's plain tool call. */
    @Benchmark
    public String plainToolTurn() {
        return plain.chat("c", "where is my order", alice);
    }

    /** The same turn with an authenticated tool: the user's cached token found and injected. */
    @Benchmark
    public String authenticatedToolTurn() {
        return authenticated.chat("c", "where is my order", alice);
    }
}
