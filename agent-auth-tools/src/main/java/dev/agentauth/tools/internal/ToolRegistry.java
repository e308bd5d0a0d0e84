package dev.agentauth.tools.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Principal;
import dev.agentauth.tools.PrincipalResolver;
import dev.agentauth.tools.ToolSource;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.invocation.InvocationContext;
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
 * The tools an agent offers: the annotated ones (fixed), and what each {@link ToolSource} offers the invocation's
 * principal now (an MCP server's tools, once the user connected it). Names are unique; an annotated tool wins over a
 * source's tool of the same name. Thread-safe; listing a source's tools may block on it.
 */
final class ToolRegistry {

    private final Map<String, ToolBinding> bindings;
    private final Map<String, ToolExecutor> executors;
    private final List<ToolSpecification> specifications;
    private final List<ToolSource> sources;
    private final PrincipalResolver principals;
    private final ToolCalls calls;
    private final ConcurrentHashMap<String, ToolExecutor> sourceExecutors = new ConcurrentHashMap<>();

    ToolRegistry(Map<String, ToolBinding> bindings, List<ToolSource> sources, PrincipalResolver principals,
                 ToolCalls calls) {
        this.bindings = bindings;
        this.sources = List.copyOf(sources);
        this.principals = principals;
        this.calls = calls;
        Map<String, ToolExecutor> execs = new LinkedHashMap<>();
        bindings.forEach((name, binding) -> execs.put(name, calls.executor(binding)));
        this.executors = execs;
        this.specifications = bindings.values().stream().map(ToolBinding::specification).toList();
    }

    /** The bindings by name; two tools with one name are refused. */
    static Map<String, ToolBinding> index(List<ToolBinding> tools) {
        Map<String, ToolBinding> byName = new LinkedHashMap<>();
        for (ToolBinding t : tools) {
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("two tools are named '" + t.name() + "'");
            }
        }
        return java.util.Collections.unmodifiableMap(byName);
    }

    /** A dynamic LangChain4j {@link ToolProvider}: asked again after each round of tool calls. */
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
    List<ToolSpecification> current(InvocationContext context) {
        if (sources.isEmpty()) {
            return specifications;
        }
        List<ToolSpecification> all = new ArrayList<>(specifications);
        Principal principal = principalOrNull(context);
        if (principal == null) {
            return all;
        }
        for (ToolSource source : sources) {
            for (ToolSpecification spec : source.toolSpecifications(principal)) {
                if (!bindings.containsKey(spec.name())) {
                    sourceExecutors.computeIfAbsent(spec.name(), n -> calls.sourceExecutor(source, n));
                    all.add(spec);
                }
            }
        }
        return all;
    }

    /** The executor of the tool with this name, or {@code null}. */
    ToolExecutor executor(String name) {
        ToolExecutor executor = executors.get(name);
        return executor != null ? executor : sourceExecutors.get(name);
    }

    private Principal principalOrNull(InvocationContext context) {
        try {
            return context == null ? null : principals.resolve(context);
        } catch (AgentAuthException e) {
            return null; // no user: only the annotated tools, which fail closed when called
        }
    }
}
