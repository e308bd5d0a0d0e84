package dev.agentauth.tools.internal;

import dev.agentauth.core.AgentAuthException;
import dev.agentauth.tools.ConsentInterruptException;
import dev.langchain4j.service.TokenStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The AI services an agent built, by interface name: a resumed turn calls its interrupted method again through the
 * same proxy the application uses, so the whole pipeline (guardrails, output parsing, listeners, streaming) applies.
 * The latest {@code aiService(type, ...)} of a type is the one resumes use. Thread-safe.
 */
public final class Services {

    /** One built AI service. */
    record Handle(Class<?> type, Object proxy, Method method) {

        /** Calls the method again with {@code arguments}, its re-sent user message dropped ({@link ResumeMarker}). */
        Object replay(Object memoryId, List<Object> arguments) {
            ResumeMarker marker = new ResumeMarker(memoryId);
            try {
                return marker.around(() -> {
                    try {
                        return method.invoke(proxy, arguments.toArray());
                    } catch (InvocationTargetException e) {
                        throw e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
                    }
                });
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("resuming " + type.getSimpleName() + "." + method.getName()
                        + " failed", e);
            }
        }
    }

    private record Built(Class<?> type, Object proxy) {
    }

    private final ConcurrentHashMap<String, Built> byName = new ConcurrentHashMap<>();

    /**
     * The AI service the application gets: {@code delegate} (LangChain4j's), except that a consent interrupt leaves
     * it settled (chat memory repaired, the interrupt stored), an operator's failure leaves memory valid, and a
     * {@code TokenStream} delivers both on the stream. Recorded as the agent's service of {@code type}, for resumes.
     */
    public <T> T proxy(Class<T> type, T delegate, AgentRuntime runtime) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "toString" -> "AuthenticatedAgent AI service " + type.getSimpleName();
                    default -> method.invoke(delegate, args);
                };
            }
            try {
                // The AI-service interface may be package-private in the caller's package.
                method.trySetAccessible();
                Object result = method.invoke(delegate, args);
                return result instanceof TokenStream stream ? runtime.interruptible(stream) : result;
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof ConsentInterruptException interrupt) {
                    throw runtime.settle(interrupt);
                }
                if (e.getCause() instanceof AgentAuthException failure) {
                    runtime.settleFailure(failure);
                }
                throw e.getCause();
            }
        };
        T proxy = type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
        byName.put(type.getName(), new Built(type, proxy));
        return proxy;
    }

    /** The built interface named {@code name}, or {@code null}. */
    Class<?> type(String name) {
        Built b = byName.get(name);
        return b == null ? null : b.type();
    }

    /**
     * The method {@code method} of the built service {@code name} taking {@code count} arguments (of
     * {@code parameterTypes}, when known), or {@code null}.
     */
    Handle handle(String name, String method, int count, List<String> parameterTypes) {
        Built b = byName.get(name);
        if (b == null) {
            return null;
        }
        Method m = InterruptCodec.find(b.type(), method, count, parameterTypes);
        if (m == null) {
            return null;
        }
        m.trySetAccessible();
        return new Handle(b.type(), b.proxy(), m);
    }
}
