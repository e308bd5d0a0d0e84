package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.langchain4j.ToolCredential;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.invocation.LangChain4jManaged;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.service.tool.DefaultToolExecutor;
import dev.langchain4j.service.tool.ToolExecutionResult;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LangChain4j's {@code @Tool} methods as the agent core's tools: LangChain4j reads each method's specification (the
 * injected token parameter then removed: the model neither sees nor fills it) and LangChain4j's own
 * {@link DefaultToolExecutor} runs it, with the credential as a managed parameter ({@link ToolCredential}). Stateless.
 */
final class LangChain4jTools {

    /** One tool: what the model sees, and what the core runs. */
    record Bound(ToolSpecification specification, ToolBinding binding) {
    }

    private LangChain4jTools() {
    }

    /** Every {@code @Tool} method of {@code object}, bound. */
    static List<Bound> of(Object object, Contexts contexts) {
        List<Bound> out = new ArrayList<>();
        for (Method method : object.getClass().getMethods()) {
            if (method.isAnnotationPresent(Tool.class) && !Modifier.isStatic(method.getModifiers())) {
                out.add(bind(object, method, contexts));
            }
        }
        for (Method method : object.getClass().getDeclaredMethods()) {
            if (method.isAnnotationPresent(Tool.class) && !Modifier.isPublic(method.getModifiers())
                    && !Modifier.isStatic(method.getModifiers())) {
                method.setAccessible(true);
                out.add(bind(object, method, contexts));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(object.getClass().getName() + " has no @Tool method");
        }
        return out;
    }

    private static Bound bind(Object object, Method method, Contexts contexts) {
        ToolBinding.Declared declared = ToolBinding.inspect(method, LangChain4jTools::argumentName,
                ToolCredential.class);
        ToolSpecification spec = ToolSpecifications.toolSpecificationFrom(method);
        if (declared.tokenArgument() != null) {
            spec = withoutParameter(spec, declared.tokenArgument());
        }
        // Accessible once here: otherwise each call's reflective invoke checks the caller's access again.
        method.trySetAccessible();
        DefaultToolExecutor executor = DefaultToolExecutor.builder()
                .object(object).originalMethod(method).methodToInvoke(method)
                .wrapToolArgumentsExceptions(true).propagateToolExecutionExceptions(true)
                .build();
        dev.agentauth.agent.spi.ToolInvoker invoker = (call, credential, turn) -> {
            InvocationContext context = contexts.of(turn);
            if (credential != null && declared.credentialParameter()) {
                Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> managed = new HashMap<>();
                if (context.managedParameters() != null) {
                    managed.putAll(context.managedParameters());
                }
                managed.put(ToolCredential.class, new ToolCredential(credential));
                context = context.toBuilder().managedParameters(managed).build();
            }
            ToolExecutionResult r = executor.executeWithContext(ToolExecutionRequest.builder().id(call.id())
                    .name(call.name()).arguments(call.arguments()).build(), context);
            return new ToolResult(r.resultText() == null ? "" : r.resultText(), r.isError());
        };
        ToolBinding binding = declared.auth() == null ? ToolBinding.plain(spec.name(), spec.description(), invoker)
                : ToolBinding.authenticated(spec.name(), spec.description(), declared.auth(),
                declared.tokenArgument(), invoker);
        return new Bound(spec, binding);
    }

    // The model must neither see nor fill the credential parameter.
    private static ToolSpecification withoutParameter(ToolSpecification spec, String parameter) {
        JsonObjectSchema params = spec.parameters();
        if (params == null) {
            return spec;
        }
        Map<String, JsonSchemaElement> props = new LinkedHashMap<>(params.properties());
        props.remove(parameter);
        List<String> required = params.required() == null ? List.of()
                : params.required().stream().filter(r -> !r.equals(parameter)).toList();
        JsonObjectSchema.Builder b = JsonObjectSchema.builder().description(params.description())
                .addProperties(props).required(required).additionalProperties(params.additionalProperties());
        if (params.definitions() != null && !params.definitions().isEmpty()) {
            b.definitions(params.definitions());
        }
        return spec.toBuilder().parameters(b.build()).build();
    }

    /** The name LangChain4j gives a parameter in the tool's JSON arguments. */
    private static String argumentName(Parameter p) {
        P annotation = p.getAnnotation(P.class);
        return annotation != null && !annotation.name().isBlank() ? annotation.name() : p.getName();
    }
}
