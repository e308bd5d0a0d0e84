package dev.agentauth.tools.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.tools.ConsentInterrupt;
import dev.agentauth.tools.ConsentInterruptException;
import dev.agentauth.tools.ConsentMode;
import dev.agentauth.tools.PrincipalResolver;
import dev.agentauth.tools.ToolSource;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.tool.ToolErrorHandlerResult;
import dev.langchain4j.service.tool.ToolExecutionErrorHandler;
import dev.langchain4j.service.tool.ToolProvider;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs authenticated tools for one agent: the facade over its parts — {@link ToolRegistry} (which tools exist),
 * {@link ToolCalls} (the executors: principal, credential, 401/403, consent modes), {@link TurnJournals} (what each
 * turn's calls did), {@link InterruptRegistry} (open interrupts, chat-memory repair) and {@link Resumer}. Thread-safe.
 */
public final class AgentRuntime {

    /** Settings the public builder checked. */
    public record Settings(TokenBroker broker, ChatModel chatModel, ChatMemoryProvider memory,
                           PrincipalResolver principals, ConsentMode mode, Duration blockingTimeout,
                           ConsentListener consentListener, Clock clock, Duration interruptRetention,
                           List<ToolSource> sources, Reauthorization reauthorization, SecureRandom random,
                           InterruptStore interruptStore, dev.agentauth.tools.ResumeRecovery resumeRecovery,
                           Duration resumeLease) {
    }

    private final ToolRegistry registry;
    private final InterruptRegistry interrupts;
    private final Resumer resumer;
    private final Services services = new Services();
    private final dev.agentauth.core.internal.Telemetry telemetry;

    /** The broker's observations: an agent reports where its broker does. */
    static dev.agentauth.core.internal.Telemetry telemetryOf(TokenBroker broker) {
        return broker instanceof dev.agentauth.core.internal.DefaultTokenBroker b ? b.telemetry()
                : dev.agentauth.core.internal.Telemetry.NONE;
    }

    public AgentRuntime(Settings settings, List<ToolBinding> tools) {
        this.telemetry = telemetryOf(settings.broker());
        var bindings = ToolRegistry.index(tools);
        TurnJournals journals = new TurnJournals(settings.clock());
        this.interrupts = new InterruptRegistry(settings, bindings, journals, new InterruptCodec(services::type),
                telemetry);
        ToolCalls calls = new ToolCalls(settings, journals, interrupts);
        this.registry = new ToolRegistry(bindings, settings.sources(), settings.principals(), calls);
        this.resumer = new Resumer(settings, registry, interrupts, services);
    }

    /** The AI services built on this agent, for resumes. */
    public Services services() {
        return services;
    }

    /**
     * The AI service's own stream, delivering a consent interrupt (settled and stored) or an operator's failure
     * (settled) to {@code onError} as such, and starting a resumed turn's continuation.
     */
    public dev.langchain4j.service.TokenStream interruptible(dev.langchain4j.service.TokenStream stream) {
        return new InterruptibleTokenStream(stream, this::settle, this::settleFailure, ResumeMarker.current());
    }

    /**
     * Sets what an agent's AI service is made of: the models and memory as {@link PipelineModels} and
     * {@link ResumeMarker} wrap them, the tools, the error handler, concurrent tool calls if asked for.
     */
    public void configure(dev.langchain4j.service.AiServices<?> services, ChatModel chatModel,
                          dev.langchain4j.model.chat.StreamingChatModel streamingChatModel, ChatMemoryProvider memory,
                          boolean concurrentTools, java.util.concurrent.Executor toolExecutor) {
        services.chatMemoryProvider(pipeline(memory)).toolProvider(toolProvider())
                .toolExecutionErrorHandler(errorHandler());
        if (chatModel != null) {
            services.chatModel(pipeline(chatModel));
        }
        if (streamingChatModel != null) {
            services.streamingChatModel(pipeline(streamingChatModel));
        }
        if (concurrentTools && toolExecutor != null) {
            services.executeToolsConcurrently(toolExecutor);
        } else if (concurrentTools) {
            services.executeToolsConcurrently();
        }
    }

    /** The application's chat model as the agent's AI services use it ({@link PipelineModels}). */
    public static ChatModel pipeline(ChatModel model) {
        return PipelineModels.chat(model);
    }

    /** The application's streaming model as the agent's AI services use it ({@link PipelineModels}). */
    public static dev.langchain4j.model.chat.StreamingChatModel pipeline(
            dev.langchain4j.model.chat.StreamingChatModel model) {
        return PipelineModels.streaming(model);
    }

    /** {@code memory}'s memories as the agent's AI services use them ({@link ResumeMarker}). */
    public static ChatMemoryProvider pipeline(ChatMemoryProvider memory) {
        return ResumeMarker.memories(memory);
    }

    /**
     * The tools as a LangChain4j {@link ToolProvider}: the annotated tools, plus what every {@link ToolSource} offers
     * the invocation's principal now. Dynamic: asked again after each round of tool calls, so a source's tool list
     * can grow once the user connected it.
     */
    public ToolProvider toolProvider() {
        return registry.toolProvider();
    }

    /** The annotated tools' specifications (static). */
    public List<ToolSpecification> specifications() {
        return registry.specifications();
    }

    /**
     * Lets a consent interrupt and a failure that is the operator's to fix ({@link ToolFailures}: configuration,
     * refused client credentials, no user) leave the AI service; every other error goes to the model as text.
     */
    public ToolExecutionErrorHandler errorHandler() {
        return (error, context) -> {
            if (error instanceof ConsentInterruptException interrupt) {
                throw interrupt;
            }
            AgentAuthException operators = ToolFailures.operators(error);
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

    /** The conversations of turns whose tool calls failed on the operator's failure, until settled. */
    private final java.util.Map<Throwable, Object> failedTurns = java.util.Collections.synchronizedMap(
            new java.util.WeakHashMap<>());

    /**
     * After an operator's failure left the AI service: answers every tool call of the turn that has no result yet as
     * not run — without the failure's text — so the conversation's memory stays valid for its next turn.
     *
     * @return whether {@code e} came out of this agent's tool calls (and was settled)
     */
    public boolean settleFailure(AgentAuthException e) {
        Object memoryId = failedTurns.remove(e);
        if (memoryId == null) {
            return false;
        }
        interrupts.answerUnanswered(memoryId, e instanceof dev.agentauth.tools.MissingPrincipalException
                ? "Not run: this call had no signed-in user." : NOT_RUN);
        return true;
    }

    /** The result of a tool call the operator's failure stopped: nothing of the failure, which the log has. */
    static final String NOT_RUN = "Not run: the application could not authorize this call.";

    /** See {@link InterruptRegistry#settle}. */
    public ConsentInterruptException settle(ConsentInterruptException thrown) {
        return interrupts.settle(thrown);
    }

    /** The open interrupt with this id. */
    public Optional<ConsentInterrupt> interrupt(String id) {
        return interrupts.interrupt(id);
    }

    /** {@code user}'s open interrupts, oldest first. */
    public List<ConsentInterrupt> pending(String user) {
        return interrupts.pending(user);
    }

    /** See {@link dev.agentauth.tools.AuthenticatedAgent#decline}. */
    public Object decline(String interruptId, String user) {
        return observed("decline", () -> resumer.decline(interruptId, user));
    }

    /** Resumes an interrupted turn for {@code user}; what the interrupted AI-service method returns. */
    public Object resume(String interruptId, String user) {
        return observed("resume", () -> resumer.resume(interruptId, user));
    }

    /** A resume or decline as an {@code agentauth.interrupt.resume} observation, tagged with how it ended. */
    private Object observed(String kind, java.util.function.Supplier<Object> work) {
        dev.agentauth.core.internal.Telemetry.Span span = telemetry.start("agentauth.interrupt.resume")
                .tag("kind", kind);
        try {
            Object result = work.get();
            span.tag("outcome", "continued");
            return result;
        } catch (ConsentInterruptException e) {
            span.tag("outcome", "interrupted_again");
            throw e;
        } catch (dev.agentauth.tools.ResumeRejectedException e) {
            span.tag("outcome", "rejected_" + e.reason().name().toLowerCase(java.util.Locale.ROOT));
            throw e;
        } catch (RuntimeException e) {
            span.tag("outcome", "failed").error(e);
            throw e;
        } finally {
            span.stop();
        }
    }
}
