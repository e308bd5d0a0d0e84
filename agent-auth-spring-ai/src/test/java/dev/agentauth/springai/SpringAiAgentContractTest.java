package dev.agentauth.springai;

import dev.agentauth.agent.testkit.AgentHarness;
import dev.agentauth.agent.testkit.ConsentInterruptContract;
import dev.agentauth.agent.testkit.ConsentModesContract;
import dev.agentauth.agent.testkit.ReauthorizationContract;
import dev.agentauth.agent.testkit.ReplicasContract;
import dev.agentauth.agent.testkit.SecretLeakContract;
import dev.agentauth.agent.testkit.StreamingContract;
import dev.agentauth.agent.testkit.TokenIsolationContract;
import dev.agentauth.springai.testing.SpringAiHarness;
import org.junit.jupiter.api.Nested;

/** The whole adapter contract of {@code agent-auth-agent-testkit}, run against {@link AuthenticatedChatClient}. */
class SpringAiAgentContractTest {

    static final AgentHarness HARNESS = new SpringAiHarness();

    @Nested
    class ConsentInterrupts extends ConsentInterruptContract {
        @Override
        protected AgentHarness harness() {
            return HARNESS;
        }
    }

    @Nested
    class Reauthorization extends ReauthorizationContract {
        @Override
        protected AgentHarness harness() {
            return HARNESS;
        }
    }

    @Nested
    class ConsentModes extends ConsentModesContract {
        @Override
        protected AgentHarness harness() {
            return HARNESS;
        }
    }

    @Nested
    class Streaming extends StreamingContract {
        @Override
        protected AgentHarness harness() {
            return HARNESS;
        }
    }

    @Nested
    class TokenIsolation extends TokenIsolationContract {
        @Override
        protected AgentHarness harness() {
            return HARNESS;
        }
    }

    @Nested
    class SecretLeaks extends SecretLeakContract {
        @Override
        protected AgentHarness harness() {
            return HARNESS;
        }
    }

    @Nested
    class Replicas extends ReplicasContract {
        @Override
        protected AgentHarness harness() {
            return HARNESS;
        }
    }
}
