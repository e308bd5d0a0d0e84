package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.Continuation;
import dev.agentauth.agent.spi.FrameworkAdapter;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.core.Principal;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the agent core asks of LangChain4j: tool results into the conversation's {@link ChatMemory} (one
 * {@link ToolExecutionResultMessage} per tool call, placeholders replaced by id on resume), and a resumed turn continued
 * by calling the interrupted AI-service method again ({@link Services.Handle#replay}). Thread-safe.
 */
final class LangChain4jFramework implements FrameworkAdapter {

    private final ChatMemoryProvider memory;
    private final Services services;
    private final Continuations continuations;
    private final ResumeMarkers markers;

    LangChain4jFramework(ChatMemoryProvider memory, Services services, Continuations continuations,
                         ResumeMarkers markers) {
        this.memory = memory;
        this.services = services;
        this.continuations = continuations;
        this.markers = markers;
    }

    @Override
    public String name() {
        return Continuations.ADAPTER;
    }

    @Override
    public void settled(Object memoryId, List<ToolCall> batch, Map<String, ToolResult> answers) {
        if (memoryId == null) {
            return;
        }
        ChatMemory m = memory.get(memoryId);
        Set<String> answered = answeredAfterLastToolCalls(m.messages());
        for (ToolCall call : batch) {
            ToolResult r = answers.get(call.id());
            if (r != null && !answered.contains(call.id())) {
                m.add(message(call, r));
            }
        }
    }

    @Override
    public void resumed(Object memoryId, List<ToolCall> batch, Map<String, ToolResult> answers) {
        if (memoryId == null || answers.isEmpty()) {
            return;
        }
        ChatMemory m = memory.get(memoryId);
        Map<String, ToolCall> byId = new java.util.HashMap<>();
        batch.forEach(c -> byId.put(c.id(), c));
        List<ChatMessage> messages = new ArrayList<>(m.messages());
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) instanceof ToolExecutionResultMessage r && answers.containsKey(r.id())) {
                ToolCall call = byId.getOrDefault(r.id(), new ToolCall(r.id(), r.toolName(), ""));
                messages.set(i, message(call, answers.get(r.id())));
            }
        }
        m.set(messages);
    }

    /** Answers every tool call of the last tool-calling message that has no result yet with {@code text}. */
    void answerUnanswered(Object memoryId, String text) {
        ChatMemory m = memory.get(memoryId);
        List<ChatMessage> messages = m.messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof AiMessage ai && ai.hasToolExecutionRequests()) {
                Set<String> answered = new HashSet<>();
                for (int j = i + 1; j < messages.size(); j++) {
                    if (messages.get(j) instanceof ToolExecutionResultMessage r) {
                        answered.add(r.id());
                    }
                }
                for (ToolExecutionRequest call : ai.toolExecutionRequests()) {
                    if (!answered.contains(call.id())) {
                        m.add(ToolExecutionResultMessage.from(call, text));
                    }
                }
                return;
            }
        }
    }

    @Override
    public void checkContinuable(String interruptId, Principal principal, Continuation continuation) {
        handle(interruptId, principal, continuations.decode(continuation).call());
    }

    @Override
    public Object continueTurn(Continuation continuation, Object memoryId, Principal principal) {
        ServiceCall call = continuations.decode(continuation).call();
        return handle("(resumed)", principal, call).replay(memoryId, call.arguments(), markers);
    }

    private Services.Handle handle(String interruptId, Principal principal, ServiceCall call) {
        Services.Handle handle = call.arguments() == null ? null : services.handle(call.interfaceName(),
                call.methodName(), call.arguments().size(), call.parameterTypes());
        if (handle == null) {
            String name = call.interfaceName();
            String simple = name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1);
            throw new ResumeRejectedException(ResumeRejectedException.Reason.SERVICE_UNAVAILABLE, "interrupt "
                    + interruptId + " continues " + name + "." + call.methodName() + ", which this agent has not"
                    + " built: call agent.aiService(" + simple + ".class, ...) on this replica first; the interrupt"
                    + " stays open", principal, null);
        }
        return handle;
    }

    private static Set<String> answeredAfterLastToolCalls(List<ChatMessage> messages) {
        Set<String> answered = new HashSet<>();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof ToolExecutionResultMessage r) {
                answered.add(r.id());
            } else if (messages.get(i) instanceof AiMessage ai && ai.hasToolExecutionRequests()) {
                return answered;
            }
        }
        return answered;
    }

    private static ToolExecutionResultMessage message(ToolCall call, ToolResult r) {
        return ToolExecutionResultMessage.builder().id(call.id()).toolName(call.name()).text(r.text())
                .isError(r.error()).build();
    }
}
