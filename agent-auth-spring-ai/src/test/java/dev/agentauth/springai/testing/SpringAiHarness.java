package dev.agentauth.springai.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.ToolCredential;
import dev.agentauth.agent.testkit.AgentHarness;
import dev.agentauth.agent.testkit.AgentSetup;
import dev.agentauth.agent.testkit.AgentUnderTest;
import dev.agentauth.agent.testkit.ContractTools;
import dev.agentauth.agent.testkit.ConversationStore;
import dev.agentauth.agent.testkit.ModelReply;
import dev.agentauth.agent.testkit.ModelRequest;
import dev.agentauth.agent.testkit.ModelScript;
import dev.agentauth.agent.testkit.NeutralMessage;
import dev.agentauth.agent.testkit.Reply;
import dev.agentauth.springai.AuthenticatedChatClient;
import dev.agentauth.springai.internal.Messages;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.execution.ToolCallResultConverter;
import reactor.core.publisher.Flux;

/**
 * The agent test kit's harness for Spring AI: an {@link AuthenticatedChatClient} with the kit's tools as Spring AI
 * {@code @Tool} methods, the kit's {@link ModelScript} as a Spring AI {@link ChatModel} (its {@code call} and its
 * {@code stream}), Spring AI's {@link MessageWindowChatMemory} — over a {@link ChatMemoryRepository} on the kit's
 * shared conversations for replicas — and every turn a {@link ChatClient} call with the user and the conversation as
 * advisor parameters. Thread-safe.
 */
public final class SpringAiHarness implements AgentHarness {

    /** Enough for every conversation of the contract: none of its messages may be evicted mid-test. */
    private static final int MEMORY_WINDOW = 200;
    /** How long a streamed turn may take before the harness gives up on it. */
    private static final long STREAM_SECONDS = 60;

    /**
     * {@link ContractTools}' two tools, declared as a Spring AI application declares tools: {@code @Tool} methods, the
     * token of one injected, the credential of the other read from its {@link ToolContext}. Their text goes to the
     * model as it is ({@link Verbatim}), as the kit's tools answer in words.
     */
    public static final class Tools {
        private final ContractTools tools;

        Tools(ContractTools tools) {
            this.tools = tools;
        }

        @Tool(description = ContractTools.LIST_NOTES_DESCRIPTION, resultConverter = Verbatim.class)
        @AuthenticatedTool(provider = ContractTools.PROVIDER, scopes = ContractTools.LIST_NOTES_SCOPES)
        public String listNotes(@InjectToken String token) {
            return tools.listNotes(token);
        }

        @Tool(description = ContractTools.ARCHIVE_NOTES_DESCRIPTION, resultConverter = Verbatim.class)
        @AuthenticatedTool(provider = ContractTools.PROVIDER, scopes = ContractTools.ARCHIVE_NOTES_SCOPES)
        public String archiveNotes(ToolContext context) {
            ToolCredential credential = ToolCredential.from(context.getContext());
            return tools.archiveNotes(credential.authorizationHeader(), credential.scopes());
        }
    }

    /**
     * A tool's text as the model reads it, unchanged: Spring AI's default converter writes a {@code String} result as
     * a JSON string (quoted), while the contract compares the tools' texts as they return them.
     */
    public static final class Verbatim implements ToolCallResultConverter {
        @Override
        public String convert(Object result, Type returnType) {
            return result == null ? "" : result.toString();
        }
    }

    @Override
    public AgentUnderTest agent(AgentSetup setup) {
        MessageWindowChatMemory.Builder memory = MessageWindowChatMemory.builder().maxMessages(MEMORY_WINDOW);
        if (setup.conversations() != null) {
            memory.chatMemoryRepository(new SharedRepository(setup.conversations()));
        }
        ChatMemory chatMemory = memory.build();
        AuthenticatedChatClient agent = AuthenticatedChatClient.builder().broker(setup.broker())
                .interruptStore(setup.interruptStore()).chatModel(new ScriptModel(setup.model()))
                .tools(new Tools(setup.tools())).chatMemory(chatMemory).consentMode(setup.consentMode())
                .blockingTimeout(setup.blockingTimeout()).consentListener(setup.consentListener()).build();
        return new Agent(agent, chatMemory, setup.streaming());
    }

    /** One agent: its {@code ChatClient} calls, blocking or streamed, and the adapter's own methods. */
    private static final class Agent implements AgentUnderTest {
        private final AuthenticatedChatClient agent;
        private final ChatMemory memory;
        private final boolean streaming;

        Agent(AuthenticatedChatClient agent, ChatMemory memory, boolean streaming) {
            this.agent = agent;
            this.memory = memory;
            this.streaming = streaming;
        }

        @Override
        public Reply send(String user, String conversation, String message) {
            ChatClient.ChatClientRequestSpec call = agent.chatClient().prompt().user(message)
                    .advisors(AuthenticatedChatClient.user(user))
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, conversation));
            return streaming ? collect(call.stream().content()) : Reply.of(call.call().content());
        }

        @Override
        public Reply resume(String interruptId, String user) {
            return streaming ? collect(agent.resumeStream(interruptId, user).content())
                    : Reply.of(agent.resume(interruptId, user).content());
        }

        @Override
        public Reply decline(String interruptId, String user) {
            return streaming ? collect(agent.declineStream(interruptId, user).content())
                    : Reply.of(agent.decline(interruptId, user).content());
        }

        @Override
        public List<ConsentInterrupt> pendingInterrupts(String user) {
            return agent.pendingInterrupts(user);
        }

        @Override
        public Optional<ConsentInterrupt> interrupt(String interruptId) {
            return agent.interrupt(interruptId);
        }

        @Override
        public List<NeutralMessage> memory(String conversation) {
            return neutral(memory.get(conversation));
        }

        /** Runs a stream to its end: its chunks and their text, or the error it ended with, rethrown. */
        private static Reply collect(Flux<String> stream) {
            List<String> chunks = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            stream.subscribe(chunks::add, done::completeExceptionally, () -> done.complete(null));
            try {
                done.get(STREAM_SECONDS, TimeUnit.SECONDS);
                return Reply.streamed(String.join("", chunks), chunks);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError("the stream did not end within " + STREAM_SECONDS + " s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Spring AI's messages in neutral form: one result per {@link ToolResponseMessage.ToolResponse}. */
    static List<NeutralMessage> neutral(List<Message> messages) {
        List<NeutralMessage> out = new ArrayList<>();
        for (Message m : messages) {
            if (m instanceof UserMessage u) {
                out.add(new NeutralMessage.User(u.getText()));
            } else if (m instanceof AssistantMessage a) {
                List<ToolCall> calls = new ArrayList<>();
                for (AssistantMessage.ToolCall c : a.getToolCalls()) {
                    calls.add(new ToolCall(c.id(), c.name(), c.arguments()));
                }
                // A model answering with tool calls only sends no text (or an empty one): neutral null.
                String text = calls.isEmpty() || a.getText() != null && !a.getText().isEmpty() ? a.getText() : null;
                out.add(new NeutralMessage.Assistant(text, calls));
            } else if (m instanceof ToolResponseMessage t) {
                for (ToolResponseMessage.ToolResponse r : t.getResponses()) {
                    out.add(new NeutralMessage.ToolResult(r.id(), r.name(), r.responseData()));
                }
            } else if (m instanceof SystemMessage s) {
                out.add(new NeutralMessage.Instructions(s.getText()));
            } else {
                throw new IllegalArgumentException("a message type the harness does not know: "
                        + m.getMessageType());
            }
        }
        return out;
    }

    /** A Spring AI prompt in the kit's form: its messages, the tools it offers, and all of it as text. */
    static ModelRequest request(Prompt prompt) {
        List<ModelRequest.OfferedTool> tools = new ArrayList<>();
        StringBuilder text = new StringBuilder().append(prompt).append('\n');
        for (Message m : prompt.getInstructions()) {
            text.append(m).append('\n');
        }
        if (prompt.getOptions() instanceof ToolCallingChatOptions options) {
            if (options.getToolCallbacks() != null) {
                for (ToolCallback c : options.getToolCallbacks()) {
                    ToolDefinition d = c.getToolDefinition();
                    tools.add(new ModelRequest.OfferedTool(d.name(), d.description(), d.inputSchema()));
                    text.append(d.name()).append(' ').append(d.description()).append(' ').append(d.inputSchema())
                            .append('\n');
                }
            }
        }
        return new ModelRequest(neutral(prompt.getInstructions()), tools, text.toString());
    }

    /** The script's reply as Spring AI's answer: one generation, its assistant message text or tool calls. */
    static ChatResponse answer(ModelReply reply) {
        AssistantMessage message;
        if (reply.callsTools()) {
            List<AssistantMessage.ToolCall> calls = new ArrayList<>();
            for (ToolCall c : reply.toolCalls()) {
                calls.add(new AssistantMessage.ToolCall(c.id(), "function", c.name(), c.arguments()));
            }
            message = AssistantMessage.builder().content("").toolCalls(calls).build();
        } else {
            message = new AssistantMessage(reply.text());
        }
        return new ChatResponse(List.of(new Generation(message)));
    }

    /**
     * The script as a Spring AI chat model. {@code call} answers at once; {@code stream} answers on a thread of its
     * own: a text word by word ({@link ModelScript#chunks}), one response per chunk, tool calls in one response.
     */
    static final class ScriptModel implements ChatModel {
        private final ModelScript script;

        ScriptModel(ModelScript script) {
            this.script = script;
        }

        @Override
        public ChatOptions getOptions() {
            return ToolCallingChatOptions.builder().build();
        }

        @Override
        public ChatResponse call(Prompt prompt) {
            return answer(script.answer(request(prompt)));
        }

        @Override
        public Flux<ChatResponse> stream(Prompt prompt) {
            return Flux.create(sink -> {
                Thread t = new Thread(() -> {
                    try {
                        ModelReply reply = script.answer(request(prompt));
                        if (reply.callsTools()) {
                            sink.next(answer(reply));
                        } else {
                            for (String chunk : ModelScript.chunks(reply.text())) {
                                sink.next(answer(ModelReply.text(chunk)));
                            }
                        }
                        sink.complete();
                    } catch (RuntimeException e) {
                        sink.error(e);
                    }
                }, "scripted-stream");
                t.setDaemon(true);
                t.start();
            });
        }
    }

    /**
     * Spring AI chat memory in the kit's shared conversation store, as replicas share it through a database: a
     * conversation's messages as one JSON text, written as the adapter writes a turn's messages ({@link Messages}).
     */
    private static final class SharedRepository implements ChatMemoryRepository {
        private static final ObjectMapper JSON = new ObjectMapper();

        private final ConversationStore store;

        SharedRepository(ConversationStore store) {
            this.store = store;
        }

        @Override
        public List<String> findConversationIds() {
            throw new UnsupportedOperationException("the contract's conversation store does not list conversations");
        }

        @Override
        public List<Message> findByConversationId(String conversationId) {
            String json = store.read(conversationId);
            try {
                return json == null ? List.of() : Messages.fromJson(JSON.readTree(json));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("conversation " + conversationId + " is not JSON", e);
            }
        }

        @Override
        public void saveAll(String conversationId, List<Message> messages) {
            store.write(conversationId, Messages.toJson(messages).toString());
        }

        @Override
        public void deleteByConversationId(String conversationId) {
            saveAll(conversationId, List.of());
        }
    }
}
