package dev.agentauth.agent.testkit;

/**
 * What a framework adapter implements to run the contract: it builds its framework's agent for a contract test. The
 * contract classes ({@link ConsentInterruptContract} and the others) call it for each agent a test needs — some need
 * two, replicas of one service. See the package description for how an adapter implements it.
 *
 * <p>Implementations are thread-safe (one harness serves every test of a class); {@link #agent} blocks as long as
 * building the framework's agent does.
 *
 * @since 0.3.0
 */
@FunctionalInterface
public interface AgentHarness {

    /** A new agent of the adapter's framework, built from {@code setup} and nothing else of the test's. */
    AgentUnderTest agent(AgentSetup setup);
}
