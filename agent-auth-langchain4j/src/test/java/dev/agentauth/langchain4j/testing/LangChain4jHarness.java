package dev.agentauth.langchain4j.testing;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.agent.ToolCall;
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
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.agentauth.langchain4j.ToolCredential;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageDeserializer;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The agent test kit's harness for LangChain4j: an {@link AuthenticatedAgent} with the kit's tools as LangChain4j
 * {@code @Tool} methods, the kit's {@link ModelScript} as a {@link ChatModel} or {@link StreamingChatModel}, an AI
 * service per agent, and the user in {@link InvocationParameters}. Thread-safe.
 */
public final class LangChain4jHarness implements AgentHarness {

    /** The AI service of a blocking agent. */
    public interface Assistant {
        String chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String message,
                    InvocationParameters user);
    }

    /** The AI service of a streaming agent. */
    public interface StreamingAssistant {
        TokenStream chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String message,
                         InvocationParameters user);
    }

    /** {@link ContractTools}' two tools, declared as a LangChain4j application declares tools. */
    public static final class Tools {
        private final ContractTools tools;

        Tools(ContractTools tools) {
            this.tools = tools;
        }

        @Tool(ContractTools.LIST_NOTES_DESCRIPTION)
        @AuthenticatedTool(provider = ContractTools.PROVIDER, scopes = ContractTools.LIST_NOTES_SCOPES)
        public String listNotes(@InjectToken String token) {
            return tools.listNotes(token);
        }

        @Tool(ContractTools.ARCHIVE_NOTES_DESCRIPTION)
        @AuthenticatedTool(provider = ContractTools.PROVIDER, scopes = ContractTools.ARCHIVE_NOTES_SCOPES)
        public String archiveNotes(ToolCredential credential) {
            return tools.archiveNotes(credential.authorizationHeader(), credential.scopes());
        }
    }

    @Override
    public AgentUnderTest agent(AgentSetup setup) {
        AuthenticatedAgent.Builder b = AuthenticatedAgent.builder().broker(setup.broker())
                .interruptStore(setup.interruptStore()).tools(new Tools(setup.tools()))
                .consentMode(setup.consentMode()).blockingTimeout(setup.blockingTimeout())
                .consentListener(setup.consentListener());
        if (setup.streaming()) {
            b.streamingChatModel(new ScriptStreamingModel(setup.model()));
        } else {
            b.chatModel(new ScriptModel(setup.model()));
        }
        if (setup.conversations() != null) {
            SharedMemory shared = new SharedMemory(setup.conversations());
            b.chatMemoryProvider(id -> MessageWindowChatMemory.builder().id(id).maxMessages(100)
                    .chatMemoryStore(shared).build());
        }
        return new Agent(b.build(), setup.streaming());
    }

    /** One agent and its AI service, built at once so that any agent can resume an interrupt. */
    private static final class Agent implements AgentUnderTest {
        private final AuthenticatedAgent agent;
        private final Assistant assistant;
        private final StreamingAssistant streaming;

        Agent(AuthenticatedAgent agent, boolean streaming) {
            this.agent = agent;
            this.assistant = streaming ? null : agent.aiService(Assistant.class);
            this.streaming = streaming ? agent.aiService(StreamingAssistant.class) : null;
        }

        @Override
        public Reply send(String user, String conversation, String message) {
            InvocationParameters as = InvocationParameters.from(PrincipalResolver.USER, user);
            return streaming != null ? collect(streaming.chat(conversation, message, as))
                    : Reply.of(assistant.chat(conversation, message, as));
        }

        @Override
        public Reply resume(String interruptId, String user) {
            return reply(agent.resume(interruptId, user));
        }

        @Override
        public Reply decline(String interruptId, String user) {
            return reply(agent.decline(interruptId, user));
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
            return neutral(agent.chatMemory(conversation).messages());
        }

        /** What the interrupted AI-service method returns: a text, or a stream of the continued turn. */
        private static Reply reply(Object continued) {
            if (continued instanceof TokenStream stream) {
                return collect(stream);
            }
            return Reply.of((String) continued);
        }

        /** Runs a stream to its end: its chunks and text, or the error it ended with, rethrown. */
        private static Reply collect(TokenStream stream) {
            List<String> chunks = new CopyOnWriteArrayList<>();
            CompletableFuture<String> done = new CompletableFuture<>();
            stream.onPartialResponse(chunks::add).onCompleteResponse(r -> done.complete(r.aiMessage().text()))
                    .onError(done::completeExceptionally).start();
            try {
                return Reply.streamed(done.get(60, TimeUnit.SECONDS), chunks);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError("the stream did not end within 60 s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** LangChain4j's messages in neutral form. */
    static List<NeutralMessage> neutral(List<ChatMessage> messages) {
        List<NeutralMessage> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            if (m instanceof UserMessage u) {
                out.add(new NeutralMessage.User(u.hasSingleText() ? u.singleText() : u.contents().toString()));
            } else if (m instanceof AiMessage a) {
                List<ToolCall> calls = new ArrayList<>();
                if (a.hasToolExecutionRequests()) {
                    for (ToolExecutionRequest r : a.toolExecutionRequests()) {
                        calls.add(new ToolCall(r.id(), r.name(), r.arguments()));
                    }
                }
                out.add(new NeutralMessage.Assistant(a.text(), calls));
            } else if (m instanceof ToolExecutionResultMessage r) {
                out.add(new NeutralMessage.ToolResult(r.id(), r.toolName(), r.text()));
            } else if (m instanceof SystemMessage s) {
                out.add(new NeutralMessage.Instructions(s.text()));
            } else {
                throw new IllegalArgumentException("a message type the harness does not know: " + m.type());
            }
        }
        return out;
    }

    /** A LangChain4j request in the kit's form: its messages, the tools it offers, and all of it as text. */
    static ModelRequest request(ChatRequest request) {
        List<ModelRequest.OfferedTool> tools = new ArrayList<>();
        List<ToolSpecification> specifications = request.toolSpecifications();
        if (specifications != null) {
            for (ToolSpecification s : specifications) {
                tools.add(new ModelRequest.OfferedTool(s.name(), s.description(), s.parameters() == null ? ""
                        : "properties " + s.parameters().properties().keySet() + ", required "
                        + s.parameters().required() + ", " + s.parameters()));
            }
        }
        String text = request + "\n" + request.messages() + "\n" + specifications + "\n" + request.parameters();
        return new ModelRequest(neutral(request.messages()), tools, text);
    }

    /** The script's reply as LangChain4j's answer. */
    static AiMessage answer(ModelReply reply) {
        if (!reply.callsTools()) {
            return AiMessage.from(reply.text());
        }
        List<ToolExecutionRequest> calls = new ArrayList<>();
        for (ToolCall c : reply.toolCalls()) {
            calls.add(ToolExecutionRequest.builder().id(c.id()).name(c.name()).arguments(c.arguments()).build());
        }
        return AiMessage.from(calls);
    }

    /** The script as a LangChain4j chat model. */
    static final class ScriptModel implements ChatModel {
        private final ModelScript script;

        ScriptModel(ModelScript script) {
            this.script = script;
        }

        @Override
        public ChatResponse doChat(ChatRequest request) {
            return ChatResponse.builder().aiMessage(answer(script.answer(request(request)))).build();
        }
    }

    /** The script as a LangChain4j streaming model: on a thread of its own, the text in chunks, then the whole. */
    static final class ScriptStreamingModel implements StreamingChatModel {
        private final ModelScript script;

        ScriptStreamingModel(ModelScript script) {
            this.script = script;
        }

        @Override
        public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
            Thread t = new Thread(() -> {
                try {
                    ModelReply reply = script.answer(request(request));
                    if (!reply.callsTools()) {
                        ModelScript.chunks(reply.text()).forEach(handler::onPartialResponse);
                    }
                    handler.onCompleteResponse(ChatResponse.builder().aiMessage(answer(reply)).build());
                } catch (RuntimeException e) {
                    handler.onError(e);
                }
            }, "scripted-stream");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Chat memory in the kit's shared conversation store, serialized as LangChain4j serializes it. */
    private static final class SharedMemory implements ChatMemoryStore {
        private final ConversationStore store;

        SharedMemory(ConversationStore store) {
            this.store = store;
        }

        @Override
        public List<ChatMessage> getMessages(Object memoryId) {
            String json = store.read(memoryId.toString());
            return json == null ? List.of() : ChatMessageDeserializer.messagesFromJson(json);
        }

        @Override
        public void updateMessages(Object memoryId, List<ChatMessage> messages) {
            store.write(memoryId.toString(), ChatMessageSerializer.messagesToJson(messages));
        }

        @Override
        public void deleteMessages(Object memoryId) {
            store.write(memoryId.toString(), ChatMessageSerializer.messagesToJson(List.of()));
        }
    }
}
