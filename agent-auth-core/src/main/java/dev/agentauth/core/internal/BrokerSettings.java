package dev.agentauth.core.internal;

import dev.agentauth.core.AuditListener;
import dev.agentauth.core.ConsentListener;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Telemetry;
import dev.agentauth.core.http.HttpTransport;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Everything a {@link DefaultTokenBroker} is built from; checked by the public builder. */
public record BrokerSettings(List<Provider> providers, TokenStore store, Clock clock, Duration clockSkew,
                             Duration consentTtl, HttpTransport http, URI redirectUri, Integer loopbackPort,
                             String loopbackPath, SecureRandom random, List<AuditListener> auditListeners,
                             List<ConsentListener> consentListeners, boolean eagerDiscovery,
                             Duration refreshAhead, java.util.concurrent.Executor refreshExecutor,
                             dev.agentauth.core.ExpectedAccount expectedAccount, long cacheMaximumSize,
                             Telemetry telemetry) {
}
