package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.ToolDescriptor;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.agent.spi.AgentCore;
import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.service.tool.ToolExecutionResult;
import dev.langchain4j.service.tool.ToolExecutor;
import dev.langchain4j.service.tool.ToolProvider;
import dev.langchain4j.service.tool.ToolProviderRequest;
import dev.langchain4j.service.tool.ToolProviderResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's tools as a LangChain4j {@link ToolProvider}: the annotated tools (fixed), and what each
 * {@link ToolSource} offers the invocation's principal now (an MCP server's tools, once the user connected it). Each
 * tool's executor hands its calls to the agent core with the invocation as a {@link LangChain4jTurn}. Names are unique;
 * an annotated tool wins over a source's tool of the same name. Thread-safe; listing a source's tools may block on it.
 */
final class LangChain4jToolProvider {

    private final AgentCore core;
    private final Map<String, ToolBinding> bindings = new LinkedHashMap<>();
    private final Map<String, ToolExecutor> executors = new LinkedHashMap<>();
    private final List<ToolSpecification> specifications;
    private final PrincipalResolver principals;
    private final ChatMemoryProvider memory;
    private final Continuations continuations;
    private final ConcurrentHashMap<String, ToolExecutor> sourceExecutors = new ConcurrentHashMap<>();
    /** Source tools' specifications, converted once per descriptor (compared by identity). */
    private final ConcurrentHashMap<ToolDescriptor, ToolSpecification> converted = new ConcurrentHashMap<>();

    LangChain4jToolProvider(AgentCore core, List<LangChain4jTools.Bound> bound, PrincipalResolver principals,
                            ChatMemoryProvider memory, Continuations continuations) {
        this.core = core;
        this.principals = principals;
        this.memory = memory;
        this.continuations = continuations;
        List<ToolSpecification> specs = new ArrayList<>();
        for (LangChain4jTools.Bound b : bound) {
            bindings.put(b.binding().name(), b.binding());
            executors.put(b.binding().name(), executor(context -> core.run(b.binding(), call(context.request),
                    turn(context.context))));
            specs.add(b.specification());
        }
        this.specifications = List.copyOf(specs);
    }

    /**
     * The annotated tools as LangChain4j's static tools, when the agent has no tool source (AI services resolve static
     * tools with less work per call than a provider's); else {@code null}: use {@link #toolProvider()}.
     */
    Map<ToolSpecification, ToolExecutor> staticTools() {
        if (!core.sources().isEmpty()) {
            return null;
        }
        Map<ToolSpecification, ToolExecutor> map = new LinkedHashMap<>();
        for (ToolSpecification spec : specifications) {
            map.put(spec, executors.get(spec.name()));
        }
        return map;
    }

    /**
     * A LangChain4j {@link ToolProvider} for an agent with tool sources: dynamic (asked again after each round of tool
     * calls, for what the sources offer the principal now).
     */
    ToolProvider toolProvider() {
        return new ToolProvider() {
            @Override
            public ToolProviderResult provideTools(ToolProviderRequest request) {
                Map<ToolSpecification, ToolExecutor> map = new LinkedHashMap<>();
                for (ToolSpecification spec : current(request.invocationContext())) {
                    map.put(spec, executor(spec.name()));
                }
                return new ToolProviderResult(map);
            }

            @Override
            public boolean isDynamic() {
                return true;
            }
        };
    }

    List<ToolSpecification> specifications() {
        return specifications;
    }

    /** Every tool the model may call in this invocation: annotated ones, then those of the tool sources. */
    private List<ToolSpecification> current(InvocationContext context) {
        if (core.sources().isEmpty()) {
            return specifications;
        }
        List<ToolSpecification> all = new ArrayList<>(specifications);
        Principal principal = principalOrNull(context);
        if (principal == null) {
            return all;
        }
        for (ToolSource source : core.sources()) {
            for (ToolDescriptor d : source.tools(principal)) {
                if (!bindings.containsKey(d.name())) {
                    sourceExecutors.computeIfAbsent(d.name(), n -> executor(c -> core.run(source, call(c.request),
                            turn(c.context))));
                    all.add(converted.computeIfAbsent(d, SchemaElements::specification));
                }
            }
        }
        return all;
    }

    private ToolExecutor executor(String name) {
        ToolExecutor executor = executors.get(name);
        return executor != null ? executor : sourceExecutors.get(name);
    }

    private LangChain4jTurn turn(InvocationContext context) {
        return new LangChain4jTurn(context, principals, memory, continuations);
    }

    private Principal principalOrNull(InvocationContext context) {
        try {
            return context == null ? null : principals.resolve(context);
        } catch (AgentAuthException e) {
            return null; // no user: only the annotated tools, which fail closed when called
        }
    }

    private record Invocation(ToolExecutionRequest request, InvocationContext context) {
    }

    private interface Run {
        ToolResult run(Invocation invocation);
    }

    private static ToolExecutor executor(Run run) {
        return new ToolExecutor() {
            @Override
            public String execute(ToolExecutionRequest request, Object memoryId) {
                return executeWithContext(request, InvocationContext.builder().chatMemoryId(memoryId).build())
                        .resultText();
            }

            @Override
            public ToolExecutionResult executeWithContext(ToolExecutionRequest request, InvocationContext context) {
                ToolResult r = run.run(new Invocation(request, context));
                return ToolExecutionResult.builder().isError(r.error()).resultText(r.text()).build();
            }
        };
    }

    private static dev.agentauth.agent.ToolCall call(ToolExecutionRequest request) {
        return LangChain4jTurn.call(request);
    }
}
