package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.spi.AgentCore;
import dev.agentauth.agent.spi.TurnScope;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.invocation.LangChain4jManaged;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The agent core's {@link TurnScope} of one AI-service call, carried to the call's tool calls as a LangChain4j managed
 * parameter: the agent's AI-service proxy ({@link Services}) makes it current on the calling thread for the call
 * ({@link LangChain4jManaged#setCurrent}), LangChain4j copies the current managed parameters into the call's
 * {@link InvocationContext}, and each tool call reads it back from there ({@link LangChain4jTurn#scope()}). So the core
 * finds the turn's journal with no lookup, and the turn's end needs no event: the scope goes with the invocation.
 *
 * <p>A scope belongs to one invocation: the first whose tool call asks for it. Another AI service called on the same
 * thread during the call (from a tool, a guardrail, a memory provider) copies the same managed parameters; its tool
 * calls get no scope — the core keeps that turn by id, and the proxy reports its end when the outer call returns
 * ({@link #endFallbacks}). Thread-safe: the call's tool calls may run concurrently.
 */
final class InvocationScope implements LangChain4jManaged {

    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(InvocationScope.class, "owner", UUID.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TurnScope scope;
    /** The invocation the scope belongs to, once one of its tool calls asked. */
    private volatile UUID owner;
    /** Turn ids of other invocations that saw this scope and were kept by id instead; guarded by {@code this}. */
    private volatile List<String> fellBack;

    InvocationScope(TurnScope scope) {
        this.scope = scope;
    }

    /** {@code outer} (the managed parameters current before the call; may be {@code null}) with this scope added. */
    Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> over(
            Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> outer) {
        if (outer == null || outer.isEmpty()) {
            return Map.of(InvocationScope.class, this);
        }
        Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> all = new HashMap<>(outer);
        all.put(InvocationScope.class, this);
        return all;
    }

    /** The scope of the invocation of {@code context}, or {@code null} when it belongs to another invocation. */
    static TurnScope of(InvocationContext context) {
        Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> managed = context.managedParameters();
        if (managed == null || !(managed.get(InvocationScope.class) instanceof InvocationScope s)) {
            return null;
        }
        return s.scopeFor(context);
    }

    private TurnScope scopeFor(InvocationContext context) {
        UUID invocation = context.invocationId();
        if (invocation == null) {
            return null;
        }
        UUID o = owner;
        if (o == null) {
            OWNER.compareAndSet(this, null, invocation);
            o = owner;
        }
        if (o == invocation || o.equals(invocation)) {
            return scope;
        }
        synchronized (this) {
            if (fellBack == null) {
                fellBack = new ArrayList<>(2);
            }
            String id = LangChain4jTurn.id(context);
            if (!fellBack.contains(id)) {
                fellBack.add(id);
            }
        }
        return null;
    }

    /** Reports the end of the turns that saw this scope but were kept by id (see the class comment). */
    void endFallbacks(AgentCore core) {
        if (fellBack == null) {
            return; // racy read: a turn still running on another thread when the call returns is swept instead
        }
        List<String> ids;
        synchronized (this) {
            ids = List.copyOf(fellBack);
            fellBack.clear();
        }
        ids.forEach(core::turnEnded);
    }

    @Override
    public String toString() {
        return "InvocationScope"; // what a tool call journaled is not for logs
    }
}
