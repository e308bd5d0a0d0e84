package dev.agentauth.langchain4j.internal;

import dev.langchain4j.invocation.InvocationContext;
import java.util.List;

/**
 * The AI-service call a turn began with: which interface and method, with which arguments. A resumed turn calls it
 * again, so it runs through the application's own AI-service pipeline (guardrails, output parsing, listeners).
 *
 * @param interfaceName the AI-service interface
 * @param methodName    its method
 * @param arguments      the arguments as given; {@code null} when they could not be kept (see {@link Continuations})
 * @param parameterTypes the method's parameter types (class names), telling overloads apart; {@code null} if unknown
 */
record ServiceCall(String interfaceName, String methodName, List<Object> arguments, List<String> parameterTypes) {

    ServiceCall(String interfaceName, String methodName, List<Object> arguments) {
        this(interfaceName, methodName, arguments, null);
    }

    /** The call of {@code context}, or {@code null} when it names none (a tool run outside an AI service). */
    static ServiceCall of(InvocationContext context) {
        if (context == null || context.interfaceName() == null || context.methodName() == null) {
            return null;
        }
        return new ServiceCall(context.interfaceName(), context.methodName(), context.methodArguments());
    }

    /** {@code context} naming this call again, for tool calls run on resume. */
    InvocationContext.Builder into(InvocationContext.Builder context) {
        return context.interfaceName(interfaceName).methodName(methodName)
                .methodArguments(arguments == null ? List.of() : arguments);
    }
}
