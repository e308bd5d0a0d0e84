package dev.agentauth.springai.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.ToolCredential;
import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.agent.spi.ToolInvoker;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.agent.spi.Turn;
import dev.agentauth.core.Principal;
import dev.agentauth.springai.AuthenticatedChatClient;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.metadata.ToolMetadata;
import org.springframework.ai.tool.method.MethodToolCallback;
import org.springframework.ai.tool.support.ToolDefinitions;
import org.springframework.ai.tool.support.ToolUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Spring AI's {@code @Tool} methods as the agent core's tools. Spring AI reads each method's definition (the injected
 * token parameter then removed from its input schema: the model neither sees nor fills it) and Spring AI's own
 * {@link MethodToolCallback} runs it, with a {@link ToolContext} that holds the call's credential
 * ({@link ToolCredential#from}) and user beside the application's entries. Stateless.
 */
final class SpringAiTools {

    /** One tool: what the model sees, and what the core runs. */
    record Bound(ToolDefinition definition, ToolMetadata metadata, ToolBinding binding) {
    }

    private SpringAiTools() {
    }

    /** Every {@code @Tool} method of {@code object}, bound. */
    static List<Bound> of(Object object) {
        Class<?> type = AopUtils.isAopProxy(object) ? AopUtils.getTargetClass(object) : object.getClass();
        List<Bound> out = new ArrayList<>();
        for (Method method : ReflectionUtils.getDeclaredMethods(type)) {
            if (AnnotationUtils.findAnnotation(method, Tool.class) == null
                    || !ReflectionUtils.USER_DECLARED_METHODS.matches(method) || functional(method)) {
                continue;
            }
            out.add(bind(object, method));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(type.getName() + " has no Spring AI @Tool method");
        }
        return out;
    }

    private static Bound bind(Object object, Method method) {
        for (Parameter p : method.getParameters()) {
            if (p.getType() == ToolCredential.class) {
                throw new IllegalArgumentException("tool " + method.getDeclaringClass().getSimpleName() + "."
                        + method.getName() + ": Spring AI fills tool parameters from the model's arguments, so a"
                        + " ToolCredential parameter would get nothing; declare 'ToolContext context' and read"
                        + " ToolCredential.from(context.getContext()), or an '@InjectToken String token' parameter");
            }
        }
        AuthenticatedTool auth = AnnotationUtils.findAnnotation(method, AuthenticatedTool.class);
        // For a Spring AI tool the credential travels in its ToolContext: a ToolContext parameter receives it. A plain
        // tool may take a ToolContext for the application's own entries.
        ToolBinding.Declared declared = ToolBinding.inspect(method, Parameter::getName,
                auth != null ? ToolContext.class : null);
        ToolDefinition original = ToolDefinitions.from(method);
        ToolDefinition definition = declared.tokenArgument() == null ? original
                : ToolDefinition.builder().name(original.name()).description(original.description())
                .inputSchema(withoutProperty(original.inputSchema(), declared.tokenArgument())).build();
        MethodToolCallback delegate = MethodToolCallback.builder().toolDefinition(original)
                .toolMetadata(ToolMetadata.from(method)).toolMethod(method).toolObject(object)
                .toolCallResultConverter(ToolUtils.getToolCallResultConverter(method)).build();
        ToolInvoker invoker = new Invoker(delegate, method);
        ToolBinding binding = declared.auth() == null
                ? ToolBinding.plain(definition.name(), definition.description(), invoker)
                : ToolBinding.authenticated(definition.name(), definition.description(), declared.auth(),
                declared.tokenArgument(), invoker);
        return new Bound(definition, ToolMetadata.from(method), binding);
    }

    /**
     * Runs a tool method through Spring AI's callback. A class rather than a lambda: one frame fewer under every tool
     * call, where Spring AI's result converter may fill in an exception's stack trace.
     */
    private static final class Invoker implements ToolInvoker {
        private final MethodToolCallback delegate;
        /**
         * Whether the method has a {@code ToolContext} parameter: Spring AI's callback gives the context to nothing
         * else, so a method without one is called without building it.
         */
        private final boolean takesContext;

        Invoker(MethodToolCallback delegate, Method method) {
            this.delegate = delegate;
            boolean takes = false;
            for (Class<?> type : method.getParameterTypes()) {
                takes |= ToolContext.class.isAssignableFrom(type);
            }
            this.takesContext = takes;
        }

        @Override
        public ToolResult invoke(ToolCall call, ToolCredential credential, Turn turn) {
            String arguments = call.arguments().isBlank() ? "{}" : call.arguments();
            String result = delegate.call(arguments, takesContext ? new ToolContext(context(turn, credential)) : null);
            return ToolResult.of(result == null ? "" : result);
        }
    }

    /**
     * The tool context a tool method gets: the application's entries of the call (of the interrupted call, for a
     * waiting call run on resume), its user and agent, and the credential of an authenticated call.
     */
    static Map<String, Object> context(Turn turn, ToolCredential credential) {
        Map<String, Object> context = new LinkedHashMap<>();
        if (turn instanceof SpringAiTurn own) {
            context.putAll(own.toolContext());
        } else if (turn.continuation() != null && Continuations.ADAPTER.equals(turn.continuation().adapter())) {
            context.putAll(Continuations.decode(turn.continuation()).toolContext());
        }
        context.remove(TurnState.KEY);
        try {
            Principal p = turn.principal();
            if (p.user() != null) {
                context.put(AuthenticatedChatClient.USER, p.user());
            }
            context.put(AuthenticatedChatClient.AGENT, p.agent());
        } catch (MissingPrincipalException none) {
            context.remove(AuthenticatedChatClient.USER);
        }
        if (credential != null) {
            context.put(ToolCredential.CONTEXT_KEY, credential);
        }
        return context;
    }

    /** {@code schema} (a JSON Schema object) without property {@code name}: the model must neither see nor fill it. */
    static String withoutProperty(String schema, String name) {
        try {
            JsonNode root = Messages.JSON.readTree(schema);
            if (root instanceof ObjectNode o) {
                if (o.get("properties") instanceof ObjectNode props) {
                    props.remove(name);
                }
                if (o.get("required") instanceof ArrayNode required) {
                    for (int i = required.size() - 1; i >= 0; i--) {
                        if (name.equals(required.get(i).asText())) {
                            required.remove(i);
                        }
                    }
                }
            }
            return Messages.JSON.writeValueAsString(root);
        } catch (Exception e) {
            throw new IllegalStateException("the input schema of a tool is not JSON", e);
        }
    }

    private static boolean functional(Method method) {
        Class<?> r = method.getReturnType();
        return Function.class.isAssignableFrom(r) || Supplier.class.isAssignableFrom(r)
                || Consumer.class.isAssignableFrom(r);
    }
}
