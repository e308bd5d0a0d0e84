package dev.agentauth.agent.internal;

import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRecovery;
import dev.agentauth.agent.spi.FrameworkAdapter;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.Telemetry;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.InterruptStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;

/** What the agent core's builder checked: the broker, the framework adapter, and every option. Immutable. */
public record AgentSettings(TokenBroker broker, FrameworkAdapter framework, ConsentMode mode, Duration blockingTimeout,
                            ConsentListener consentListener, Clock clock, Duration interruptRetention,
                            Reauthorization reauthorization, SecureRandom random, InterruptStore interruptStore,
                            ResumeRecovery resumeRecovery, Duration resumeLease, Telemetry telemetry) {
}
