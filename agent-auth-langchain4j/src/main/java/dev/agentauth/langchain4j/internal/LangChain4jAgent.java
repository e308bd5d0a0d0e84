package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.agent.spi.AgentCore;
import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.tool.ToolExecutor;
import dev.langchain4j.service.tool.ToolErrorHandlerResult;
import dev.langchain4j.service.tool.ToolExecutionErrorHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The LangChain4j adapter of the agent core: LangChain4j's tools become the core's {@link ToolBinding}s, each AI-service
 * tool call a {@link LangChain4jTurn}, and the core's interrupts and resumes go through LangChain4j's own extension
 * points — a {@link dev.langchain4j.service.tool.ToolProvider}, the tool execution error handler, the chat memory
 * provider and chat request transformer ({@link ResumeMarkers}), and, for streaming only, the streaming model's handler
 * ({@link StreamingInterrupts}), managed parameters (each call's {@link InvocationScope}) — and the application's
 * AI-service proxy ({@link Services}). No model loop of its own: a resume calls the interrupted AI-service method
 * again. Thread-safe.
 */
public final class LangChain4jAgent {

    /** The result of a tool call an operator's failure stopped: nothing of the failure, which the log has. */
    static final String NOT_RUN = "Not run: the application could not authorize this call.";

    private final AgentCore core;
    private final Services services;
    private final ResumeMarkers markers;
    private final LangChain4jToolProvider tools;
    private final LangChain4jFramework framework;
    /** The conversations of turns whose tool calls failed on the operator's failure, until settled. */
    private final Map<Throwable, Object> failedTurns = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * @param toolObjects objects with {@code @Tool} methods
     * @param coreBuilder the core's options the public builder set (all but the framework and the tools)
     */
    public LangChain4jAgent(List<Object> toolObjects, List<ToolSource> sources, PrincipalResolver principals,
                            ChatMemoryProvider memory, AgentCore.Builder coreBuilder) {
        this.services = new Services();
        this.markers = new ResumeMarkers();
        Continuations continuations = new Continuations(services);
        Contexts contexts = new Contexts(continuations);
        List<LangChain4jTools.Bound> bound = new ArrayList<>();
        for (Object t : toolObjects) {
            bound.addAll(LangChain4jTools.of(t, contexts));
        }
        this.framework = new LangChain4jFramework(memory, services, continuations, markers);
        this.core = coreBuilder.framework(framework).tools(bound.stream().map(LangChain4jTools.Bound::binding).toList())
                .sources(sources).build();
        this.tools = new LangChain4jToolProvider(core, bound, principals, memory, continuations);
    }

    /**
     * Sets what an agent's AI service is made of: the application's models (the streaming one wrapped by
     * {@link StreamingInterrupts}), the memory provider and request transformer of {@link ResumeMarkers}, the tools,
     * the error handler, concurrent tool calls if asked for.
     */
    public void configure(AiServices<?> ai, ChatModel chatModel, StreamingChatModel streamingChatModel,
                          ChatMemoryProvider memory, boolean concurrentTools, Executor toolExecutor) {
        Map<ToolSpecification, ToolExecutor> fixed = tools.staticTools();
        if (fixed == null) {
            ai.toolProvider(tools.toolProvider());
        } else if (!fixed.isEmpty()) {
            ai.tools(fixed);
        }
        ai.chatMemoryProvider(markers.memories(memory))
                .toolExecutionErrorHandler(errorHandler()).chatRequestTransformer(markers.transformer());
        if (chatModel != null) {
            ai.chatModel(chatModel);
        }
        if (streamingChatModel != null) {
            ai.streamingChatModel(StreamingInterrupts.streaming(streamingChatModel));
        }
        if (concurrentTools && toolExecutor != null) {
            ai.executeToolsConcurrently(toolExecutor);
        } else if (concurrentTools) {
            ai.executeToolsConcurrently();
        }
    }

    /** The application's AI service, recorded for resumes (see {@link Services#proxy}). */
    public <T> T aiService(Class<T> type, Consumer<AiServices<T>> customizer, ChatModel chatModel,
                           StreamingChatModel streamingChatModel, ChatMemoryProvider memory, boolean concurrentTools,
                           Executor toolExecutor) {
        AiServices<T> ai = AiServices.builder(type);
        configure(ai, chatModel, streamingChatModel, memory, concurrentTools, toolExecutor);
        customizer.accept(ai);
        return services.proxy(type, ai.build(), this);
    }

    /** Lets a consent interrupt and an operator's failure leave the AI service; every other error goes to the model. */
    ToolExecutionErrorHandler errorHandler() {
        return (error, context) -> {
            if (error instanceof ConsentInterruptException interrupt) {
                throw interrupt;
            }
            AgentAuthException operators = error instanceof MissingPrincipalException missing ? missing
                    : AgentCore.operatorFailure(error);
            if (operators != null) {
                // Not the model's business: out of the AI service, never into the chat (logged where it happened).
                failedTurns.put(operators, context.memoryId() == null ? "default" : context.memoryId());
                throw operators;
            }
            String message = error.getMessage();
            return ToolErrorHandlerResult.text(message == null || message.isBlank()
                    ? error.getClass().getSimpleName() : message);
        };
    }

    /**
     * The AI service's own stream, delivering a consent interrupt (settled and stored) or an operator's failure
     * (settled) to {@code onError} as such.
     */
    TokenStream interruptible(TokenStream stream) {
        return new InterruptibleTokenStream(stream, this::settle, this::settleFailure);
    }

    /**
     * After an operator's failure left the AI service: answers every tool call of the turn that has no result yet as
     * not run — without the failure's text — so the conversation's memory stays valid for its next turn.
     *
     * @return whether {@code e} came out of this agent's tool calls (and was settled)
     */
    boolean settleFailure(AgentAuthException e) {
        Object memoryId = failedTurns.remove(e);
        if (memoryId == null) {
            return false;
        }
        framework.answerUnanswered(memoryId, e instanceof MissingPrincipalException
                ? "Not run: this call had no signed-in user." : NOT_RUN);
        return true;
    }

    /** See {@link AgentCore#settle}. */
    ConsentInterruptException settle(ConsentInterruptException thrown) {
        return core.settle(thrown);
    }

    public Optional<ConsentInterrupt> interrupt(String id) {
        return core.interrupt(id);
    }

    public List<ConsentInterrupt> pending(String user) {
        return core.pending(user);
    }

    public Object resume(String interruptId, String user) {
        return core.resume(interruptId, user);
    }

    public Object decline(String interruptId, String user) {
        return core.decline(interruptId, user);
    }

    /** The annotated tools' specifications (static). */
    public List<ToolSpecification> specifications() {
        return tools.specifications();
    }

    /** The agent core this adapter drives. */
    public AgentCore core() {
        return core;
    }
}
