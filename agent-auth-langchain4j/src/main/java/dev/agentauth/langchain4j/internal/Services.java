package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.AgentAuthException;
import dev.langchain4j.invocation.LangChain4jManaged;
import dev.langchain4j.service.TokenStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The AI services an agent built, by interface name: a resumed turn calls its interrupted method again through the
 * same proxy the application uses, so the whole pipeline (guardrails, output parsing, listeners, streaming) applies.
 * The latest {@code aiService(type, ...)} of a type is the one resumes use. Thread-safe.
 */
public final class Services {

    /** One built AI service. */
    record Handle(Class<?> type, Object proxy, Method method) {

        /**
         * Calls the method again with {@code arguments} while {@code memoryId} is marked ({@link ResumeMarkers}): its
         * re-sent user message is dropped. A {@code TokenStream} keeps the mark until it has made its first request.
         */
        Object replay(Object memoryId, List<Object> arguments, ResumeMarkers markers) {
            ResumeMarkers.Mark mark = markers.mark(memoryId);
            boolean streamed = false;
            try {
                Object result = method.invoke(proxy, arguments.toArray());
                if (result instanceof InterruptibleTokenStream stream) {
                    stream.resumeMark(memoryId, mark, markers);
                    streamed = true;
                }
                return result;
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException("resuming " + type.getSimpleName() + "." + method.getName()
                        + " failed", cause);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot call " + type.getSimpleName() + "." + method.getName(), e);
            } finally {
                if (!streamed) {
                    markers.unmark(memoryId, mark);
                }
            }
        }
    }

    private record Built(Class<?> type, Object proxy) {
    }

    private final ConcurrentHashMap<String, Built> byName = new ConcurrentHashMap<>();
    /** The method last made accessible (racy: a miss only makes it accessible again). */
    private Method accessible;

    /**
     * The AI service the application gets: {@code delegate} (LangChain4j's), except that a consent interrupt leaves
     * it settled (chat memory repaired, the interrupt stored), an operator's failure leaves memory valid, and a
     * {@code TokenStream} delivers both on the stream. Each call carries its turn's {@link InvocationScope} to its tool
     * calls as a LangChain4j managed parameter. Recorded as the agent's service of {@code type}, for resumes.
     */
    public <T> T proxy(Class<T> type, T delegate, LangChain4jAgent runtime) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "toString" -> "AuthenticatedAgent AI service " + type.getSimpleName();
                    default -> method.invoke(delegate, args);
                };
            }
            // The call's turn scope, current while LangChain4j builds the invocation context (which copies it).
            Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> outer = LangChain4jManaged.current();
            InvocationScope scope = new InvocationScope(runtime.core().newTurnScope());
            LangChain4jManaged.setCurrent(scope.over(outer));
            try {
                if (method != accessible) {
                    // The AI-service interface may be package-private in the caller's package.
                    method.trySetAccessible();
                    accessible = method;
                }
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
            } finally {
                // Put back, not removed when there was none: a removal costs more than the call's other work on the
                // thread-local, and the next call would make the entry again (LangChain4j reads it per call).
                LangChain4jManaged.setCurrent(outer);
                scope.endFallbacks(runtime.core());
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
        Method m = Continuations.find(b.type(), method, count, parameterTypes);
        if (m == null) {
            return null;
        }
        m.trySetAccessible();
        return new Handle(b.type(), b.proxy(), m);
    }
}
