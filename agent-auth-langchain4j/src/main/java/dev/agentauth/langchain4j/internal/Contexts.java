package dev.agentauth.langchain4j.internal;

import dev.agentauth.agent.spi.Turn;
import dev.langchain4j.invocation.InvocationContext;

/**
 * The LangChain4j invocation context of a tool call: the AI service's own for a call LangChain4j made, rebuilt from
 * the turn's continuation for a waiting call the core runs on resume. Thread-safe.
 */
final class Contexts {

    private final Continuations continuations;

    Contexts(Continuations continuations) {
        this.continuations = continuations;
    }

    InvocationContext of(Turn turn) {
        return turn instanceof LangChain4jTurn own ? own.context() : continuations.context(turn);
    }
}
